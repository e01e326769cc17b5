import type { Migration, RerunRecord } from './version-types.js';
import type { StandardSchemaV1 } from '@dagflow/flow';

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
  readonly singletonName?: string;
}

/**
 * A per-key concurrency limit: the key of a request comes from its input, through a function or, for
 * flows defined as data, a dotted path (`customer.id`). A request holds its slot from its first root's
 * start to its end (completed, failed or stopped); a dead worker's request keeps it until BullMQ's
 * stalled-job recovery runs the node elsewhere and the request ends. `In` is the input the key function
 * gets: the flow's input (after its schema) in a typed registration.
 */
export type ConcurrencyKey<In = unknown> =
  | { readonly key: (input: In) => string; readonly limit: number }
  | { readonly keyPath: string; readonly limit: number };

/** A flow's rate limit (`FlowOptions.rateLimit`): flow-wide, or per key of the request's input. */
export interface RateLimit<In = unknown> {
  /** Starts allowed per window (an integer > 0). */
  readonly max: number;
  /** The window's length in milliseconds (an integer > 0). */
  readonly durationMs: number;
  /** The key of a request's input: each key has a window of its own. */
  readonly key?: (input: In) => string;
}

/**
 * Deadlines of a flow's requests (ms, integers >= 0, counted from the execute): a request none of whose
 * nodes began within `startMs` (still pending: queued behind a concurrency limit, a debounce window,
 * paused before its start) or that has not ended within `finishMs` is stopped with `error.code`
 * `DEADLINE_EXCEEDED`; its compensations and hooks run as on stop. A delayed BullMQ job per request does
 * it, so it survives restarts; it is removed when the request ends in time.
 */
export interface FlowDeadline {
  readonly startMs?: number;
  readonly finishMs?: number;
}

/**
 * At most one live request (pending, running or paused) per key of the flow: `key` computes it from the
 * input as given to `execute`. Mode `skip`: an execute while one is live starts nothing and answers the
 * live request's id (HTTP `200 { requestId, skipped: true }`). Mode `cancel-previous`: the live one is
 * stopped (`error.code` `SUPERSEDED`) and the new one starts.
 */
export interface SingletonOption<In = unknown> {
  readonly key: (input: In) => string;
  readonly mode: 'skip' | 'cancel-previous';
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
}

/** A request that has ended, as flow hooks receive it. */
export interface EndedRequest {
  readonly flow: string;
  readonly requestId: string;
  readonly status: string;
}

/**
 * Options of {@link FlowService.register}. `In` is the flow's input as its nodes get it: the typed
 * flow's or the `input` schema's, else what a concurrency key function's parameter declares.
 */
export interface FlowOptions<In = unknown> {
  /**
   * A number: at most this many nodes of the flow run at once across all workers (BullMQ global
   * concurrency). A concurrency key (`{ key, limit }` or `{ keyPath, limit }`): at most `limit`
   * requests per key run at once across all workers; the others wait, `pending` with `waitingForKey`,
   * and start in arrival order as slots free.
   * @defaultValue no limit
   */
  readonly concurrency?: number | ConcurrencyKey<In>;
  /**
   * Without `key`: at most `max` nodes of the flow start per `durationMs` across all workers (BullMQ
   * global rate limit). With `key`: at most `max` requests per key start per `durationMs` (a sliding
   * window per key, across all workers); the others wait without a worker slot, their root node
   * `waiting` with `reason: 'RATE_LIMITED'`, and other keys are not slowed. See docs/fairness.md.
   * @defaultValue no limit
   */
  readonly rateLimit?: RateLimit<In>;
  /**
   * Partitions of the flow's work: each is a BullMQ queue with its own hash tag, so that on a Redis
   * Cluster the flow's jobs spread over the masters. A request stays in the partition it was placed in
   * (from its id); workers serve every partition the flow ever had. A flow-wide `concurrency` number,
   * `rateLimit` and request priorities hold per partition. See docs/scaling.md.
   * @defaultValue 1 for a flow with a `concurrency` number or a `rateLimit`; else the service's
   *   `partitions` (`DAGFLOW_PARTITIONS`), else the count the flow was last used with, else 1 on a
   *   single Redis and the number of masters on a cluster
   */
  readonly partitions?: number;
  /**
   * Most items one for-each of this flow may fan out to: a foreach function that returns more fails its
   * node with `TOO_MANY_ITEMS`. It can only lower the service's `maxForEachItems`.
   * @defaultValue the service's `maxForEachItems` (`DAGFLOW_MAX_FOREACH_ITEMS`, else 100,000)
   */
  readonly maxForEachItems?: number;
  /** Runs once a request ended failed or stopped, after its compensations. */
  readonly onFailure?: (request: EndedRequest) => unknown;
  /** Runs once a request ended, whatever its status. */
  readonly finally?: (request: EndedRequest) => unknown;
  /**
   * A Standard Schema (zod, valibot, arktype...) for the flow's input, checked by `execute` in the
   * processes that registered the flow: an input that fails it throws `INVALID_INPUT` with
   * `details.issues` (HTTP 400) and nothing is stored or enqueued; the schema's value (after its
   * transforms and defaults) is what the flow receives. Its JSON Schema, when it can give one, is
   * published as the description's `inputSchema` (`GET /flows/:name`).
   * @defaultValue no check
   */
  readonly input?: StandardSchemaV1;
  /**
   * The JSON Schema of the input, for schemas that cannot give one (valibot without
   * `@valibot/to-json-schema`, hand-written schemas); wins over the one `input` gives. Where no
   * `input` schema is at hand (a process without the flow's code, a declarative flow, this option
   * alone), `execute` checks inputs against it (JSON Schema 2020-12, or draft-07 when its `$schema`
   * says so; `INVALID_INPUT` as for `input`).
   * @defaultValue the `input` schema's Standard JSON Schema, if any
   */
  readonly inputJsonSchema?: Readonly<Record<string, unknown>>;
  /**
   * The definition's revision, a number you raise with each deploy that changes the flow. The flow's
   * current version (the one processes without its code start requests on) moves only forward: a
   * process that publishes a lower revision than the current one's, or (without revisions) a version
   * that was published before, does not make it current again. Roll back on purpose by deploying the
   * old code with a higher revision (see docs/scaling.md).
   * @defaultValue none: the order of first publication decides
   */
  readonly revision?: number;
  /**
   * Deadlines of each request (see {@link FlowDeadline}); an execute's `deadlineMs` replaces `finishMs`.
   * Applied by executes in processes that registered the flow (as the `input` schema is).
   * @defaultValue none
   */
  readonly deadline?: FlowDeadline;
  /**
   * At most one live request per key (see {@link SingletonOption}). Applied by executes in processes
   * that registered the flow; child requests (`dag.flow`) are exempt.
   * @defaultValue none
   */
  readonly singleton?: SingletonOption<In>;
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
