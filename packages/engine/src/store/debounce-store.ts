import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { RequestField } from '../format/layout.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';
import { clockNow } from '../infra/clock.js';

/** The writes of debounced executes (see `client/start/debounce.ts`); each step is one Lua script. */
export class DebounceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The request a debounce key points at, if any. */
  async current(flow: string, key: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.debounce(flow, key))) ?? undefined;
  }

  /** Joins the request's open window with `input` (true), or says the window is closed or gone. */
  async join(
    target: { readonly flow: string; readonly requestId: string },
    window: {
      readonly ms: number;
      readonly input: string;
      readonly ttlMs: number;
      readonly key: string;
    },
  ): Promise<boolean> {
    const { state, data } = this.keys.request(target.flow, target.requestId);
    const reply = (await runScript(
      this.redis,
      'debounceJoin',
      [state, data],
      [clockNow(), window.ms, window.input],
    )) as [number];
    if (reply[0] !== ReplyCode.OK) return false;
    await this.redis.pexpire(this.keys.debounce(target.flow, window.key), window.ttlMs);
    return true;
  }

  /** Opens a new request's window: it may not start before `due` (ms). */
  async open(flow: string, requestId: string, due: number): Promise<void> {
    await this.redis.hset(this.keys.request(flow, requestId).state, RequestField.debounceDue, due);
  }

  /** Points the key at `next` unless it no longer points at `seen`; whether it did. */
  async point(
    flow: string,
    key: string,
    move: { readonly seen: string | undefined; readonly next: string; readonly ttlMs: number },
  ): Promise<boolean> {
    const reply = (await runScript(
      this.redis,
      'debouncePointer',
      [this.keys.debounce(flow, key)],
      [move.seen ?? '', move.next, move.ttlMs],
    )) as [number];
    return reply[0] === ReplyCode.OK;
  }

  /** Removes a request that lost the race to a key before anyone saw it. */
  async discard(flow: string, requestId: string): Promise<void> {
    const { state, data } = this.keys.request(flow, requestId);
    await this.redis.del(state, data);
  }

  /** How long a debounced root must still wait (0: run now; the window is then closed). */
  async gate(flow: string, requestId: string): Promise<number> {
    const { state } = this.keys.request(flow, requestId);
    const reply = (await runScript(this.redis, 'debounceGate', [state], [clockNow()])) as [
      number,
      number,
    ];
    return Number(reply[1]);
  }
}
