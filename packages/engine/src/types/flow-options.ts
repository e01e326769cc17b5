import type { StandardSchemaV1 } from '@dagflow/flow';
import type { EndedRequest } from './types.js';

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
 * Fair scheduling between keys (`FlowOptions.fairness`): every node of a request is served in its key's
 * turn. Nodes of different keys are dispatched round-robin, weighted (stride scheduling: a key of weight
 * 3 gets three nodes to another's one while both have work); inside a key, a request's BullMQ
 * `priority`, then arrival, orders them. At most a window of the flow's nodes (4 times the live
 * workers' `workerConcurrency`, summed) sits in BullMQ at once, so a key that gets work is served
 * within a few nodes' run time however long another key's backlog. See docs/fairness.md, "Fair
 * scheduling".
 */
export interface FairnessOption<In = unknown> {
  /**
   * The key of a request, from its input (after the `input` schema); computed once, when the request is
   * created, and kept in its state for all its nodes.
   */
  readonly key: (input: In) => string;
  /**
   * The request's share, relative to other keys' (a finite number > 0, fractions allowed; a key's
   * weight is that of its last request enqueued). A weight function that answers anything else makes
   * `execute` throw `INVALID_INPUT`.
   * @defaultValue 1
   */
  readonly weight?: (input: In) => number;
  /**
   * Nodes in flight each key with work is guaranteed (an integer > 0): a key below `min` gets the next
   * free slot before any other key. Keep the sum of the busy keys' `min` within the window.
   * @defaultValue none
   */
  readonly min?: number;
  /**
   * Most nodes of one key in flight at once (an integer > 0, `min <= max`); below it a key takes any
   * capacity no other key uses (work-conserving).
   * @defaultValue no cap (the window)
   */
  readonly max?: number;
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

/**
 * Batches of executes into one request (`FlowOptions.batch`; see docs/batches.md): the executes of a
 * batch key are collected, and one request starts whose input is the array of their inputs, in
 * arrival order, once `maxSize` of them arrived or `maxWaitMs` passed since the batch's first input
 * (or, early, when one more input would take the array past 1 MiB encoded). Each execute answers the
 * batch request's id at once (and its `position`, see `ExecuteOptions.onBatched`); its result is the
 * batch's: handlers that return an array aligned with the inputs let each caller pick its part
 * (`batchPart`). Executes with `requestId`, `debounce`, `deadlineMs` or `priority` are refused
 * with `INVALID_INPUT`; their `query` and `headers` are not kept. Child requests (`dag.flow`) and
 * schedule ticks are not collected: each runs at once as a batch of one (`[input]`). The option is
 * published with the flow's description: a process without the flow's code batches too, but refuses
 * the executes of a keyed batch (`NO_HANDLER`), whose key function it lacks.
 */
export interface BatchOption<In = unknown> {
  /** The batch key of an input (its input as the `input` schema gives it): each key has its batches. */
  readonly key?: (input: In) => string;
  /** Inputs that close a batch (an integer from 1 to 10,000). */
  readonly maxSize: number;
  /** How long a batch stays open after its first input (ms, an integer > 0). */
  readonly maxWaitMs: number;
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
  /**
   * Collects executes into batches, each one request whose input is the array of their inputs (see
   * {@link BatchOption}). Not with `singleton`.
   * @defaultValue none: every execute starts its own request
   */
  readonly batch?: BatchOption<In>;
  /**
   * Fair scheduling of the flow's nodes between keys of the input (see {@link FairnessOption}); not with
   * a concurrency key nor a keyed `rateLimit` (their waiting roots would hold fair slots).
   * @defaultValue none: the flow's queue serves nodes in arrival (and priority) order
   */
  readonly fairness?: FairnessOption<In>;
}
