import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { RequestField, StepField, stepField } from '../format/layout.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';

/**
 * How long a concurrency key's limit outlives its last admission or release: every distinct key value
 * would otherwise leave its limit behind for ever (see `lua/admitKey.lua`).
 */
const LIMIT_TTL_MS = 24 * 60 * 60 * 1000;

/** What a singleton key command answered: done (with the previous holder), or held by another request. */
export type SingletonReply =
  | { readonly held: false; readonly previous: string | undefined }
  | { readonly held: true; readonly holder: string };

/**
 * The slots of concurrency keys (`register(..., { concurrency: { key, limit } })`) and singleton keys
 * (`register(..., { singleton })`: one slot, see `lua/singletonKey.lua`); each step one Lua script.
 */
export class KeySlots {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Records the request's key (so that its end releases it), then asks for a slot; whether it got one. */
  async admit(
    target: { readonly flow: string; readonly requestId: string },
    slot: { readonly key: string; readonly limit: number },
  ): Promise<boolean> {
    const { flow, requestId } = target;
    const { state } = this.keys.request(flow, requestId);
    await this.redis.hset(state, RequestField.concurrencyKey, slot.key);
    const reply = (await runScript(
      this.redis,
      'admitKey',
      this.keys.concurrencyKey(flow, slot.key),
      [requestId, slot.limit, Date.now(), LIMIT_TTL_MS],
    )) as [number];
    const admitted = reply[0] === ReplyCode.OK;
    await (admitted
      ? this.redis.hdel(state, RequestField.waitingForKey)
      : this.redis.hset(state, RequestField.waitingForKey, slot.key));
    return admitted;
  }

  /**
   * Gives back the request's slot (or its place in the queue), if it has a key (`known`, when the
   * caller read it; else read here); answers the requests admitted into the freed slots.
   */
  async release(flow: string, requestId: string, known?: string | null): Promise<string[]> {
    const { state } = this.keys.request(flow, requestId);
    const key =
      known === undefined ? await this.redis.hget(state, RequestField.concurrencyKey) : known;
    if (key === null) return [];
    const reply = (await runScript(this.redis, 'releaseKey', this.keys.concurrencyKey(flow, key), [
      requestId,
      Date.now(),
      LIMIT_TTL_MS,
    ])) as [number, ...string[]];
    return reply.slice(1) as string[];
  }

  /** The request's job-id generation (its roots' job ids carry it after a rerun). */
  async generation(flow: string, requestId: string): Promise<number> {
    const { state } = this.keys.request(flow, requestId);
    return Number((await this.redis.hget(state, RequestField.generation)) ?? 0);
  }

  /**
   * Admits the request to the window of its rate-limit key (`lua/rateWindow.lua`), and records on its
   * root step until when it waits (`StepField.rateLimited`, cleared once admitted): admitted, or the
   * time (ms) the window may let it in.
   */
  async rateWindow(
    target: { readonly flow: string; readonly requestId: string; readonly root: string },
    rate: { readonly key: string; readonly max: number; readonly durationMs: number },
  ): Promise<{ readonly admitted: true } | { readonly admitted: false; readonly until: number }> {
    const { flow, requestId } = target;
    const reply = (await runScript(
      this.redis,
      'rateWindow',
      [this.keys.rateWindow(flow, rate.key)],
      [requestId, Date.now(), rate.durationMs, rate.max],
    )) as [number, number?];
    const { state } = this.keys.request(flow, requestId);
    const field = stepField(StepField.rateLimited, target.root);
    if (reply[0] === ReplyCode.OK) {
      await this.redis.hdel(state, field);
      return { admitted: true };
    }
    const until = Number(reply[1]);
    await this.redis.hset(state, field, until);
    return { admitted: false, until };
  }

  /**
   * A command on a flow's singleton key (`name`: `singletonName` of the key): `claim` (free, or held
   * by `seenEnded`), `take` (whoever holds it), `confirm` (renew if still held), `release`.
   */
  async singleton(
    target: { readonly flow: string; readonly name: string; readonly requestId: string },
    command: 'claim' | 'take' | 'confirm' | 'release',
    options: { readonly ttlMs?: number; readonly seenEnded?: string } = {},
  ): Promise<SingletonReply> {
    const reply = (await runScript(
      this.redis,
      'singletonKey',
      [this.keys.singleton(target.flow, target.name)],
      [command, target.requestId, options.ttlMs ?? 0, options.seenEnded ?? ''],
    )) as [number, string];
    if (reply[0] === ReplyCode.STALE) return { held: true, holder: reply[1] };
    return { held: false, previous: reply[1] === '' ? undefined : reply[1] };
  }
}
