import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { StepField, stepField } from '../format/layout.js';
import { ReplyCode } from '../format/reply-codes.js';
import { clockNow } from '../infra/clock.js';
import type { EventMatch } from '../plan/event-match.js';
import { runScript } from './scripts/scripts.js';

/** A step registered in an event's index: whom an emit delivers the event to. */
export interface EventWaiter {
  readonly flow: string;
  readonly requestId: string;
  readonly path: string;
  /** The owner token of the attempt that registered it: a delivery to another attempt is a no-op. */
  readonly owner: string;
}

/**
 * The index of steps that wait for events (`dag.waitFor`), kept per event name in the event's slot
 * (`lua/waitEvent.lua`, `lua/emitEvent.lua`): an emit finds its waiters by the hash of its values, so
 * its cost does not grow with the number of waiters.
 */
export class EventIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * Registers `waiter` under `match` of `event` for at least `ttlMs`, noting where a stop finds it
   * (data field `ev|<path>` of its request); answers the encoded data of a recent event of the
   * `lookbackMs` window instead, registering nothing.
   */
  async wait(
    at: { readonly event: string; readonly match: EventMatch; readonly waiter: EventWaiter },
    window: { readonly lookbackMs: number; readonly ttlMs: number },
  ): Promise<string | undefined> {
    const { event, match, waiter } = at;
    const member = JSON.stringify([waiter.flow, waiter.requestId, waiter.path, waiter.owner]);
    await this.redis.hset(
      this.keys.request(waiter.flow, waiter.requestId).data,
      stepField(StepField.eventWait, waiter.path),
      JSON.stringify([event, match.hash, member]),
    );
    const index = this.keys.eventIndex(event);
    const reply = (await runScript(
      this.redis,
      'waitEvent',
      [index.sets, index.waiters(match.hash), index.recent(match.hash)],
      [match.keySet, window.lookbackMs, member, window.ttlMs, clockNow()],
    )) as [number, string?];
    return reply[0] === ReplyCode.READY ? reply[1] : undefined;
  }

  /** Records a key set of `event` with a look-back (kept if a longer one is recorded). */
  async announce(
    event: string,
    keySet: string,
    window: { readonly lookbackMs: number; readonly ttlMs: number },
  ): Promise<void> {
    const { sets } = this.keys.eventIndex(event);
    const known = Number((await this.redis.hget(sets, keySet)) ?? -1);
    if (known < window.lookbackMs) await this.redis.hset(sets, keySet, window.lookbackMs);
    await this.redis.pexpire(sets, window.ttlMs);
  }

  /** The key sets `event` is matched on, with the longest look-back (ms) asked for each. */
  async keySets(event: string): Promise<Map<string, number>> {
    const stored = await this.redis.hgetall(this.keys.eventIndex(event).sets);
    return new Map(Object.entries(stored).map(([keySet, ms]) => [keySet, Number(ms)]));
  }

  /**
   * Takes the waiters of `event` that `matches` find (each registration once) and keeps the event
   * (`data`, encoded) for the look-backs of its key sets.
   */
  async take(
    event: string,
    found: readonly { readonly match: EventMatch; readonly lookbackMs: number }[],
    data: string,
  ): Promise<EventWaiter[]> {
    if (found.length === 0) return [];
    const index = this.keys.eventIndex(event);
    const keys = found.flatMap(({ match }) => [
      index.waiters(match.hash),
      index.recent(match.hash),
    ]);
    const reply = (await runScript(this.redis, 'emitEvent', keys, [
      data,
      clockNow(),
      ...found.map(({ lookbackMs }) => lookbackMs),
    ])) as [number, string[]];
    return reply[1].map((member) => {
      const [flow, requestId, path, owner] = JSON.parse(member) as [string, string, string, string];
      return { flow, requestId, path, owner };
    });
  }

  /**
   * Takes the registrations of a request's steps at `paths` out of their events' indexes (a stop or a
   * failure: deliveries to them would be no-ops anyway, fenced by their owner).
   */
  async forget(flow: string, requestId: string, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const data = this.keys.request(flow, requestId).data;
    const fields = paths.map((path) => stepField(StepField.eventWait, path));
    const stored = await this.redis.hmget(data, ...fields);
    for (const entry of stored) {
      if (entry === null) continue;
      const [event, hash, member] = JSON.parse(entry) as [string, string, string];
      await this.redis.srem(this.keys.eventIndex(event).waiters(hash), member);
    }
    await this.redis.hdel(data, ...fields);
  }
}
