import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { RequestField } from '../format/layout.js';
import { type ParentLink } from '../format/request-ids.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';

/** What parking a waiting step did; see `lua/parkStep.lua`. */
export type ParkResult =
  | { readonly kind: 'parked' }
  | { readonly kind: 'ready'; readonly value: string }
  | { readonly kind: 'stale' }
  | { readonly kind: 'missing' };

/** What delivering a signal did; see `lua/deliverSignal.lua`. */
export type SignalResult =
  | {
      readonly kind: 'stored';
      readonly wake: boolean;
      /** The request's job-id generation: its wake job's. */
      readonly generation: number;
      /** The job-id generation of the attempt that parked the node: its timeout job's. */
      readonly parked: number;
    }
  | { readonly kind: 'duplicate' }
  /** An event for an attempt that no longer waits (see `lua/deliverSignal.lua`). */
  | { readonly kind: 'stale' }
  | { readonly kind: 'missing' };

/**
 * The state writes and reads of steps that wait (signal and child-flow nodes): parking, signal
 * delivery, and the parent link of a child request.
 */
export class WaitStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * Parks the step at `path` for the attempt that owns it (`owner`), unless the data field `ready`
   * (`''`: none) holds what it waits for.
   */
  async park(
    flow: string,
    requestId: string,
    step: { readonly path: string; readonly owner: string; readonly ready: string },
  ): Promise<ParkResult> {
    const { state, data } = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'parkStep',
      [state, data],
      [step.path, step.owner, step.ready],
    )) as [number, string?];
    switch (reply[0]) {
      case ReplyCode.OK:
        return { kind: 'parked' };
      case ReplyCode.READY:
        return { kind: 'ready', value: reply[1] ?? 'null' };
      case ReplyCode.STALE:
        return { kind: 'stale' };
      default:
        return { kind: 'missing' };
    }
  }

  /**
   * Stores a signal's encoded payload for the signal node at `path`, once; an event's for the event
   * wait at `path` only while the attempt `owner` registered it for still waits.
   */
  async deliverSignal(
    flow: string,
    requestId: string,
    signal: { readonly path: string; readonly payload: string; readonly owner?: string },
  ): Promise<SignalResult> {
    const { state, data } = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'deliverSignal',
      [state, data],
      [signal.path, signal.payload, signal.owner ?? ''],
    )) as [number, number?, number?, number?];
    if (reply[0] === ReplyCode.DUPLICATE) return { kind: 'duplicate' };
    if (reply[0] === ReplyCode.STALE) return { kind: 'stale' };
    if (reply[0] !== ReplyCode.OK) return { kind: 'missing' };
    return {
      kind: 'stored',
      wake: reply[1] === 1,
      generation: reply[2] ?? 0,
      parked: reply[3] ?? 0,
    };
  }

  /** The parent of a child request, or undefined for a request that has none. */
  async parentOf(flow: string, requestId: string): Promise<ParentLink | undefined> {
    const stored = await this.redis.hget(
      this.keys.request(flow, requestId).state,
      RequestField.parent,
    );
    return stored === null ? undefined : (JSON.parse(stored) as ParentLink);
  }

  /** The request's current job-id generation (a wake job must carry it to own a step). */
  async generation(flow: string, requestId: string): Promise<number> {
    const stored = await this.redis.hget(
      this.keys.request(flow, requestId).state,
      RequestField.generation,
    );
    return Number(stored ?? 0);
  }
}
