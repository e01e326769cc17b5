import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';

/** The keys of one cache key of one node (see `Keys.stepCache`). */
export type CacheKeys = { readonly output: string; readonly lead: string };

/** What a take of a cache key found: a cached output, the lease (now this owner's), or another holder. */
export type CacheTake =
  | { readonly kind: 'hit'; readonly output: string }
  | { readonly kind: 'lead' }
  | { readonly kind: 'held' };

/**
 * The result cache of nodes with the `cache` option: cached outputs and the leases of the attempts that
 * compute them, one Lua step each (`lua/cacheLead.lua`).
 */
export class StepCache {
  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  /** The cached output, else the lease if it is free, else `held`. */
  async take(keys: CacheKeys, owner: string, leaseMs: number): Promise<CacheTake> {
    const reply = await this.#run(keys, ['take', owner, leaseMs]);
    if (reply[0] === ReplyCode.COMPLETED) return { kind: 'hit', output: reply[1] ?? '' };
    return reply[0] === ReplyCode.OK ? { kind: 'lead' } : { kind: 'held' };
  }

  /** Extends the lease; false when this owner lost it (it expired and another attempt took it). */
  async renew(keys: CacheKeys, owner: string, leaseMs: number): Promise<boolean> {
    return (await this.#run(keys, ['renew', owner, leaseMs]))[0] === ReplyCode.OK;
  }

  /** Stores the output for `ttlMs` and gives the lease up, in one step. */
  async store(
    keys: CacheKeys,
    owner: string,
    cached: { output: string; ttlMs: number },
  ): Promise<void> {
    await this.#run(keys, ['store', owner, cached.ttlMs, cached.output]);
  }

  /** Gives the lease up (the attempt failed): a waiting attempt takes it at once. */
  async release(keys: CacheKeys, owner: string): Promise<void> {
    await this.#run(keys, ['release', owner, 0]);
  }

  async #run(keys: CacheKeys, args: (string | number)[]): Promise<[number, string?]> {
    return (await runScript(this.redis, 'cacheLead', [keys.output, keys.lead], args)) as [
      number,
      string?,
    ];
  }
}
