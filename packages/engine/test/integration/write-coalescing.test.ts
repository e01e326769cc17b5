import { startRedis } from '@dagflow/test-utils';
import type { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { connectRedis } from '../../src/redis-connection.js';

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

/** Issues `count` commands in one tick; answers whether the socket held them (corked) meanwhile. */
async function burst(redis: Redis, count: number): Promise<{ corked: number; after: number }> {
  const replies = Promise.all(
    Array.from({ length: count }, (_, i) => redis.set(`coalesce:${i}`, String(i))),
  );
  const corked = redis.stream.writableCorked;
  await nextTick();
  const after = redis.stream.writableCorked;
  expect(await replies).toEqual(Array.from({ length: count }, () => 'OK'));
  return { corked, after };
}

it('sends the commands of one tick in one write, again after Redis restarts', async () => {
  const server = await startRedis({ persistent: true });
  const redis = connectRedis({ url: server.url }) as Redis;
  try {
    await redis.ping();
    // Held while the tick issues them, let go before the tick's I/O.
    expect(await burst(redis, 50)).toEqual({ corked: 1, after: 0 });
    const first = redis.stream;
    await server.stop({ hard: true });
    await server.restart();
    await redis.ping();
    expect(redis.stream).not.toBe(first);
    expect(await burst(redis, 50)).toEqual({ corked: 1, after: 0 });
    expect(await redis.mget('coalesce:0', 'coalesce:49')).toEqual(['0', '49']);
  } finally {
    redis.disconnect();
    await server.stop();
  }
});
