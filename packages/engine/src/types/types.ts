import type { Migration, RerunRecord } from './version-types.js';

/** Lifecycle of a request. */
export type RequestStatus = 'pending' | 'running' | 'completed' | 'failed' | 'stopped' | 'paused';

/**
 * Lifecycle of one node within a request: `queued` waits for a worker, `retrying` for its next attempt,
 * `waiting` for its signal or its child request (no job and no worker slot is held meanwhile).
 */
export type NodeStatus =
  'pending' | 'queued' | 'running' | 'retrying' | 'waiting' | 'completed' | 'failed';

/** A request by flow and id: the child request a `dag.flow` node runs. */
export interface RequestRef {
  readonly flow: string;
  readonly requestId: string;
}

/** A node's error as recorded in the request state. */
export interface NodeError {
  /** Path of the node that failed. */
  readonly node: string;
  /** Attempts made when the error was recorded. */
  readonly attempts: number;
  /** The error's message. */
  readonly message: string;
  /** The error's class name, e.g. `TypeError`. */
  readonly name: string;
  /** A stable code when the error has one (`NODE_TIMEOUT`, or a handler error's own `code`). */
  readonly code?: string;
}

/** State of one node within a request. */
export interface NodeState {
  readonly status: NodeStatus;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Start of the latest attempt (ms since epoch). */
  readonly startedAt?: number;
  /** When the node completed or failed for good (ms since epoch). */
  readonly finishedAt?: number;
  /** The latest failed attempt's error. */
  readonly error?: NodeError;
  /** For a conditional branch: the branch keys that ran; for a for-each: its item keys. */
  readonly picked?: readonly string[];
  /** For a child-flow node (`dag.flow`) that started: the child request it runs. */
  readonly child?: RequestRef;
  /** Set on a queued node whose queue has no live worker: it runs when one starts. */
  readonly waiting?: 'waiting for worker';
  /**
   * Why a `waiting` node waits, when no live worker can run it: `STEP_UNAVAILABLE` (its request started
   * on an older flow version whose code for this node no live process has). It runs as soon as a
   * process that has the node starts, or the request is migrated (see `FlowClient.migrate`).
   */
  readonly reason?: 'STEP_UNAVAILABLE' | 'RATE_LIMITED';
  /** With `reason` `STEP_UNAVAILABLE`: since when (ms since epoch) no live worker could run the node. */
  readonly unavailableSince?: number;
  /**
   * With `reason` `RATE_LIMITED`: the root node of a request whose rate-limit key used its window up
   * (`rateLimit: { key }`) starts again at this time (ms since epoch), when the window may let it.
   */
  readonly rateLimitedUntil?: number;
  /** Set when the node completed with a cached output, its handler not run (node option `cache`). */
  readonly cached?: true;
  /** The saga compensation's outcome, once the request ended failed or stopped. */
  readonly compensation?: {
    readonly status: 'completed' | 'failed';
    readonly attempts: number;
    readonly error?: NodeError;
  };
}

/** What {@link FlowService.state} answers. */
export interface RequestState {
  readonly requestId: string;
  readonly flow: string;
  readonly status: RequestStatus;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /**
   * A debounced request still in its window: when the window ends (ms since epoch), unless another call
   * of its key extends it. Gone once its roots start.
   */
  readonly debounceUntil?: number;
  /** Set while the request waits for a slot of its flow's concurrency key: the key. */
  readonly waitingForKey?: string;
  /**
   * Its deadlines (ms since epoch): a node must begin by `startBy`, the request must end by `finishBy`,
   * else it is stopped with `error.code` `DEADLINE_EXCEEDED` (see `FlowOptions.deadline`).
   */
  readonly deadline?: { readonly startBy?: number; readonly finishBy?: number };
  /**
   * Why the request failed: the node, its attempts and its error. For a request the engine stopped
   * (`DEADLINE_EXCEEDED`, `SUPERSEDED`), why: `node` is `''`.
   */
  readonly error?: NodeError;
  /** For a child request: the parent request and the node (`dag.flow`) that runs it. */
  readonly parent?: RequestRef & { readonly node: string };
  /** The flow version (shape) the request runs on: the one it started with, or the one it was migrated to. */
  readonly version?: string;
  /** Each migration of the request to a newer flow version, oldest first (see `FlowClient.migrate`). */
  readonly migrations?: readonly Migration[];
  /** Each rerun of the request from a node, oldest first (see `FlowClient.rerun` with `from`). */
  readonly reruns?: readonly RerunRecord[];
  /**
   * Every vertex by path (`verify/face-detect`, `route/adult/welcome`, `each[42]/check`). Vertices outside
   * branches and for-each bodies are listed from the start (`pending` until they run); those inside appear
   * once they start.
   */
  readonly nodes: Readonly<Record<string, NodeState>>;
}

/** What {@link FlowService.nodeDetail} answers: one node of a request. */
export interface NodeDetail {
  /** The node's path (`verify/each-user[42]/face-detect`). */
  readonly path: string;
  readonly state: NodeState;
  /**
   * Its input once its parents gave it (or a rerun's input): the scope's input, its one parent's output,
   * or `{ [parentId]: output }`, before edge `forward` transforms and aggregators.
   */
  readonly input?: unknown;
  /** Its output once stored. */
  readonly output?: unknown;
  /** What its attempts logged through `ctx.log` (at most 32 kB each), oldest attempt first. */
  readonly logs?: readonly AttemptLog[];
}

/** Options of {@link FlowService.execute}. */
export interface ExecuteOptions {
  /**
   * The request's id: executing twice with one id runs the request once.
   * 1-128 characters of `[A-Za-z0-9_.-]`.
   * @defaultValue a new id of 16 characters: creation time (ids made later sort later), then 48 random bits
   */
  readonly requestId?: string;
  /** Query parameters, handed to handlers as `ctx.query`. */
  readonly query?: Readonly<Record<string, string>>;
  /** Headers, handed to handlers as `ctx.headers`. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * BullMQ priority of every node of the request: 1 is the highest, larger numbers run later.
   * @defaultValue none: before every prioritised request, in arrival order
   */
  readonly priority?: number;
  /**
   * Says that a wait for the result follows at once (`waitForResult`, the HTTP `?wait=`): the
   * request's end is listened for from before its creation, so the wait needs no read of it.
   * @defaultValue false
   */
  readonly willWait?: boolean;
  /** @internal The parent node of a child request (`dag.flow`): the child's end wakes it. */
  readonly parent?: RequestRef & { readonly node: string };
  /** @internal A schedule's tick (its `requestId` has the form of `scheduledRequestId`). */
  readonly scheduled?: true;
  /**
   * Debounce: of the calls with one `key` that come within `ms` of each other, one request runs, `ms`
   * after the last call, with the last call's input; every call answers that request's id. A request id
   * given with `debounce` names the request only if the call starts a new one.
   * @defaultValue none: every call starts its own request
   */
  readonly debounce?: { readonly key: string; readonly ms: number };
  /**
   * A finish deadline for this request (ms from now, an integer >= 0): not ended by then, it is stopped
   * with `DEADLINE_EXCEEDED` (compensations run as on stop). Wins over the flow's `deadline.finishMs`.
   * @defaultValue the flow's `deadline.finishMs`, if any
   */
  readonly deadlineMs?: number;
  /**
   * Called instead of starting a request when the flow's `singleton` (mode `skip`) found a live
   * request of the input's key: with that request's id (which `execute` answers too).
   */
  readonly onSkipped?: (liveRequestId: string) => void;
  /** @internal The name of the request's singleton key (see `run-guards/singleton-runs.ts`). */
  readonly singletonName?: string; /**
   * Called when the flow collects executes into batches (`FlowOptions.batch`): with the batch
   * request's id (which `execute` answers too) and this input's position in the batch (0-based).
   */
  readonly onBatched?: (batch: BatchPlacement) => void;
  /** @internal The request of a closed batch: its input is the array of the batch's checked inputs. */
  readonly batchRequest?: true;
}

/** Where a batched execute's input went (see `ExecuteOptions.onBatched`). */
export interface BatchPlacement {
  /** The batch's request id: its result is the batch's. */
  readonly requestId: string;
  /** The input's position in the batch, 0-based: its index in the request's input array. */
  readonly position: number;
}

/** A registered flow as listed by {@link FlowService.flows}. */
export interface FlowInfo {
  readonly name: string;
  /** Hash of the DAG's description; changes whenever the definition does. */
  readonly version: string;
  /** Vertices outside branches and for-each bodies. */
  readonly nodes: number;
  /** Live workers per queue: `''` is the flow's own queue, other keys are nodes' named queues. */
  readonly workers: Readonly<Record<string, number>>;
  /** Live workers that can run each node (by path, outside branches and for-each bodies). */
  readonly nodeWorkers: Readonly<Record<string, number>>;
  /** The JSON Schema of the flow's input, when it has one (see `FlowOptions.input`). */
  readonly inputSchema?: Readonly<Record<string, unknown>>;
  /**
   * The flow's concurrency option: a number (nodes at once), or a concurrency key's `limit` with its
   * `keyPath` (or `key: 'function'`).
   */
  readonly concurrency?:
    number | { readonly limit: number; readonly keyPath?: string; readonly key?: 'function' };
  /**
   * The flow's `fairness` option: `key: 'function'`, `weight: 'function'` when it has a weight
   * function, and its `min` and `max`. Added with T3-8.
   */
  readonly fairness?: {
    readonly key: 'function';
    readonly weight?: 'function';
    readonly min?: number;
    readonly max?: number;
  };
}

/** A request that has ended, as flow hooks receive it. */
export interface EndedRequest {
  readonly flow: string;
  readonly requestId: string;
  readonly status: string;
}

/** One line a handler logged through `ctx.log`. */
export interface NodeLogLine {
  /** When it was logged (ms since epoch). */
  readonly at: number;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What one attempt of a node logged. */
export interface AttemptLog {
  readonly attempt: number;
  readonly lines: readonly NodeLogLine[];
  /** Set when the attempt logged more than the cap and later lines were dropped. */
  readonly truncated?: true;
}
