import type { Redis } from 'ioredis';
import type { EndingParts } from '../request-ended.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { NodeQueues } from '../node-queues.js';
import type { RunningAttempts } from './running-attempts.js';
import type { StateStore } from '../store/state-store.js';
import type { Keys } from '../store/keys.js';
import type { NodeLogWriter } from '../store/node-logs.js';

/** What the executor needs from its service. */
export interface ExecutorDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: StateStore;
  readonly queues: NodeQueues;
  readonly log: Logger;
  readonly running: RunningAttempts;
  /** Keeps what handlers log through `ctx.log`, per attempt. */
  readonly logs: NodeLogWriter;
  /** Largest encoded output a step may store. */
  readonly maxOutputBytes: number;
  /** This process's counters, for `/metrics`. */
  readonly metrics: Metrics;
  /** Whether this process knows the request (`flow/requestId`) to be paused, stopped or failed. */
  readonly isHeld: (requestKey: string) => boolean;
}

/** What `requestEnded` needs, from the executor's parts. */
export function endingParts(deps: ExecutorDeps): EndingParts {
  return { queues: deps.queues, ended: (flow, ending) => deps.metrics.requestEnded(flow, ending) };
}
