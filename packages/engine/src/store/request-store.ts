import type { RequestStore } from '@dagflow/flow';
import type { RedisClient } from '../infra/redis-connection.js';
import { decode, encode } from '../format/codec.js';
import { RequestField } from '../format/layout.js';

/** `ctx.store`: a hash per request that expires with the request's other keys. */
export function requestStore(redis: RedisClient, key: string, stateKey: string): RequestStore {
  return {
    async get<T>(name: string): Promise<T | undefined> {
      const text = await redis.hget(key, name);
      return text === null ? undefined : (decode(text) as T);
    },
    async set(name: string, value: unknown): Promise<void> {
      // The flag tells the completion script that this key exists and must expire with the request.
      await redis
        .multi()
        .hset(key, name, encode(value))
        .hset(stateKey, RequestField.hasStore, '1')
        .exec();
    },
  };
}
