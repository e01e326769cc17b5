import type { Redis } from 'ioredis';
import type { EndingParts } from '../request-ended.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { NodeQueues } from '../node-queues.js';
import type { RunningAttempts } from './running-attempts.js';
import type { StateStore } from '../store/state-store.js';
import type { Keys } from '../store/keys.js';
import type { DebounceStore } from '../store/debounce-store.js';
import type { KeySlots } from '../store/key-slots.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { ExecuteOptions } from '../types.js';

/** What the executor needs from its service. */
export interface ExecutorDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: StateStore;
  readonly queues: NodeQueues;
  readonly log: Logger;
  readonly running: RunningAttempts;
  /** Largest encoded output a step may store. */
  readonly maxOutputBytes: number;
  /** This process's counters, for `/metrics`. */
  readonly metrics: Metrics;
  /** Whether this process knows the request (`flow/requestId`) to be paused, stopped or failed. */
  readonly isHeld: (requestKey: string) => boolean;
  /** The debounce windows of requests (a debounced root waits for its window). */
  readonly debounce: DebounceStore;
  /** The slots of concurrency keys. */
  readonly slots: KeySlots;
  /** Starts a request (a schedule's tick); see `FlowClient.execute`. */
  readonly execute: (plan: FlowPlan, input: unknown, options: ExecuteOptions) => Promise<string>;
}

/** What `requestEnded` needs, from the executor's parts. */
export function endingParts(deps: ExecutorDeps): EndingParts {
  return {
    queues: deps.queues,
    store: deps.store,
    slots: deps.slots,
    ended: (flow, ending) => deps.metrics.requestEnded(flow, ending),
  };
}
