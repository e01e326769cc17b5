import type { RedisClient } from '../../infra/redis-connection.js';
import type { Ending } from '../../queue/request-ended.js';
import type { Logger } from '../../infra/logger.js';
import type { Metrics } from '../../infra/metrics.js';
import type { NodeQueues } from '../../queue/node-queues.js';
import type { RunningAttempts } from './running-attempts.js';
import type { StepWrites } from '../../store/step-writes.js';
import type { Keys } from '../../format/keys.js';
import type { NodeLogWriter } from '../../store/node-logs.js';
import type { ChunkWriter } from '../../store/chunk-writes.js';
import type { ParentLink } from '../../format/request-ids.js';
import type { WaitStore } from '../../store/wait-store.js';
import type { EventIndex } from '../../store/event-index.js';
import type { SigningConfig } from '../../config/signing-config.js';
import type { FoundChild } from '../../store/reads/state-reads.js';
import type { StopReason } from '../../store/state-results.js';
import type { DebounceStore } from '../../store/debounce-store.js';
import type { KeySlots } from '../../store/key-slots.js';
import type { StepCache } from '../../store/step-cache.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { ExecuteOptions } from '../../types/types.js';
import type { StepCapability } from '../../registry/step-capability.js';
import type { Subscriptions } from '../../resources/subscriptions.js';

/** What a child-flow node (`dag.flow`) does with its child request, through the service's client side. */
export interface ChildRequests {
  /** Starts the child request once (executing twice with one id runs it once). */
  start(flow: string, requestId: string, input: unknown, parent: ParentLink): Promise<void>;
  /** The child request of the node `parent` names: its id, and its status and stored parent once it exists. */
  find(flow: string, parent: ParentLink): Promise<FoundChild>;
  /** The result of a completed child; throws the error of a failed or stopped one. */
  result(flow: string, requestId: string): Promise<unknown>;
}

/**
 * The services of a worker process's jobs, made once by its service (`FlowServing`): the one bag the
 * executor, its steps (through `Run.deps`) and the other jobs of a flow queue (`jobs/`) read. It also
 * serves as the parts of `requestEnded`, of key admission (`queue/concurrency-keys.ts`,
 * `queue/rate-keys.ts`, `queue/fair-admission.ts`) and of a stream edge's reading (`StreamSource`).
 */
export interface ExecutorDeps {
  /** The service's command connection. */
  readonly redis: RedisClient;
  /** Names of every key and queue, under the service's prefix. */
  readonly keys: Keys;
  /** The worker-side writes of request state (begin, complete, fail; one script call each). */
  readonly store: StepWrites;
  /** Parking of waiting steps (signal and child-flow nodes). */
  readonly waits: WaitStore;
  /** The index of steps that wait for events (`dag.waitFor`). */
  readonly events: EventIndex;
  /** The service's client side, for child-flow nodes (`dag.flow`). */
  readonly children: ChildRequests;
  /** Where released steps are enqueued as BullMQ jobs. */
  readonly queues: NodeQueues;
  /** The service's logger. */
  readonly log: Logger;
  /** The attempts running in this process, so that a request's stop aborts their signals. */
  readonly running: RunningAttempts;
  /** Keeps what handlers log through `ctx.log`, per attempt. */
  readonly logs: NodeLogWriter;
  /** Appends what handlers emit through `ctx.emit` to their requests' streams. */
  readonly chunks: ChunkWriter;
  /** The process's pub/sub listeners (a stream edge's consumer hears its producer's chunks). */
  readonly subscriptions: Subscriptions;
  /** Largest encoded output a step may store. */
  readonly maxOutputBytes: number;
  /** This process's counters, for `/metrics`. */
  readonly metrics: Metrics;
  /** Counts a request that ended here (`metrics.requestEnded`; see `requestEnded`). */
  readonly ended: (flow: string, ending: Ending) => void;
  /**
   * Whether this process hears the request's changes now (it runs a job of it and its subscription is
   * live): a step other than a root begins without a read only then.
   */
  readonly isListened: (requestKey: string) => boolean;
  /** Whether this process knows the request (`flow/requestId`) to be paused, stopped or failed. */
  readonly isHeld: (requestKey: string) => boolean;
  /** How often this process heard the request (`flow/requestId`) paused, stopped or failed. */
  readonly heldMarks: (requestKey: string) => number;
  /** Wakes the parent node of a child request that ended (see `child-links.ts`). */
  readonly wakeParent: (flow: string, requestId: string, parent?: string | null) => Promise<void>;
  /** The debounce windows of requests (a debounced root waits for its window). */
  readonly debounce: DebounceStore;
  /** The slots of concurrency keys. */
  readonly slots: KeySlots;
  /** The result cache of nodes with the `cache` option. */
  readonly stepCache: StepCache;
  /** Which live workers can run which steps (see `step-capability.ts`). */
  readonly capability: StepCapability;
  /** See `FlowServiceOptions.stepUnavailableTimeoutMs`. */
  readonly stepUnavailableTimeoutMs: number | undefined;
  /** Keys and base URL of `ctx.signalUrl`. */
  readonly signing: SigningConfig;
  /**
   * Stops a live request with the engine's reason (a deadline job), through the service's client side;
   * false when it was not live.
   */
  readonly stopWith: (flow: string, requestId: string, reason: StopReason) => Promise<boolean>;
  /** Starts a request (a schedule's tick); see `FlowClient.execute`. */
  readonly execute: (plan: FlowPlan, input: unknown, options: ExecuteOptions) => Promise<string>;
}
