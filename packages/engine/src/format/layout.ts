/**
 * The stored layout of a request: the field names of its state, data and stream entries. Key names live
 * beside it in `keys.ts`, job ids and job data in `job-layout.ts`, the ids the engine makes in
 * `request-ids.ts`; the Lua scripts in `lua/` take the
 * field names of {@link StepField}, {@link RequestField} and {@link DataField} from here, through the
 * prelude the loader puts in front of each (`lua-prelude.ts`: `F.status`, `REQ.status`, `DATA.input`).
 *
 * STORED FORMAT: everything in this file is read back by other processes and by later versions while
 * requests written by earlier ones still exist. Changing a name or a format needs a migration note
 * (what old requests hold, how a mixed deployment reads them); a changed field name reaches the Lua
 * scripts by itself, and changes their command names (`scripts.ts`).
 */

/**
 * Prefixes of per-step fields; a field is the prefix followed by the step's path (see {@link stepField}).
 * Stored format.
 */
export const StepField = {
  /** State hash: the step's status (`queued`, `running`, `retrying`, `completed`, `failed`...). */
  status: 's|',
  /** Data hash: the step's encoded output. */
  output: 'o|',
  /** Data hash: an input given to the step by `rerun`, read instead of its parents' outputs. */
  input: 'i|',
  /** State hash: the step's last error (JSON). */
  error: 'e|',
  /** State hash: the attempts the step made (counted by `beginNode`). */
  attempts: 'a|',
  /** State hash: when the step started (ms); a completed step keeps it in its `d|` record instead. */
  startedAt: 't0|',
  /** State hash: when the step finished (ms); a completed step keeps it in its `d|` record instead. */
  finishedAt: 't1|',
  /** State hash: the branch or item keys a composite vertex picked (JSON array). */
  picked: 'k|',
  /** State hash: a completed node's compensation outcome (JSON). */
  compensation: 'c|',
  /** State hash: a concurrency-limited for-each: items started so far. */
  itemsStarted: 'q|',
  /** State hash: a concurrency-limited for-each: its item count. */
  itemCount: 'qn|',
  /** State hash: a concurrency-limited for-each: item prefix by index (`x|<vertex>|<index>`). */
  item: 'x|',
  /** State hash: open completions a successor still waits for (a join, or a count set at run time). */
  joinOpen: 'j|',
  /** State hash: a start step's released entries (JSON array), queued unless they have a status of their own. */
  entries: 'qe|',
  /**
   * State hash: the step's owner token (`<generation>.<delivery>`, `r<generation>` after a rerun reset;
   * `<generation>.<delivery>@<job's step path>` for a step run inside an earlier step's job). A completed
   * step keeps it in its {@link StepField.done} record.
   */
  owner: 'w|',
  /** State hash: the step whose completion released this successor. */
  releasedBy: 'r|',
  /** State hash: the item prefix a gated for-each terminal started next. */
  nextItem: 'n|',
  /** State hash: a gated for-each item's completed terminals. */
  gate: 'g|',
  /** Data hash: the encoded payload delivered to a signal node (kept across reruns). */
  signal: 'sg|',
  /**
   * Data hash: an event wait's registration in its event's index, JSON `[event, hash, waiter]`, so that
   * a stop or failure takes it out (see `store/event-index.ts`). Added with T3-7.
   */
  eventWait: 'ev|',
  /**
   * State hash: since when (ms) no live worker can run the queued step (`STEP_UNAVAILABLE`, see
   * `lua/markUnavailable.lua`); read only while the step is queued. Added with T3-1.
   */
  unavailable: 'u|',
  /**
   * State hash: `1` when the step completed with a cached output, its handler not run (node option
   * `cache`). Added with T3-8.
   */
  cached: 'ca|',
  /**
   * State hash: until when (ms) the queued root step waits for its rate-limit key's window
   * (`rateLimit: { key }`, see `queue/rate-keys.ts`); read only while the step is queued. Added with T3-8.
   */
  rateLimited: 'rl|',
  /**
   * State hash: a completed step's record, `<started>,<took>,<owner>` (start ms, finish minus start
   * ms, owner token), or `,<finished>,<owner>` when the start is unknown (the owner last, since a token
   * may hold any character), written by its completion (`lua/includes/stepRecord.lua`) in place of its
   * {@link StepField.startedAt}, {@link StepField.finishedAt} and {@link StepField.owner} fields, which
   * it deletes: two fields per completed step (`s|` stays) instead of four. Read by
   * `format/step-record.ts`. Added with T3-2.
   *
   * Migration note: a step completed by an earlier version keeps `t0|`, `t1|` and `w|` (and no `d|`):
   * readers take `d|` when a completed step has it, else those fields, so no migration is needed. A
   * process of an earlier version meets a compact completed step as a completed step without start,
   * finish or owner: its state reads show no `startedAt`/`finishedAt` for it, and its completion fence
   * takes any attempt's completion of it for a repeat (which changes nothing, but may enqueue the
   * step's still-queued successors again); see docs/scaling.md ("Rolling deploys").
   */
  done: 'd|',
} as const;

/** One of the per-step field prefixes. */
export type StepFieldPrefix = (typeof StepField)[keyof typeof StepField];

/** The field of one step: `prefix` followed by its path. Stored format. */
export function stepField(prefix: StepFieldPrefix, path: string): string {
  return `${prefix}${path}`;
}

/** The path of a per-step field with that prefix, or undefined when the field has another prefix. */
export function pathOfField(prefix: StepFieldPrefix, field: string): string | undefined {
  return field.startsWith(prefix) ? field.slice(prefix.length) : undefined;
}

/** Sizes of stored pieces. Stored format. */
export const StoredLimit = {
  /**
   * Steps in one chunk of a resume's steps (`RequestField.resumingChunk`): the `k`-th chunk holds the
   * steps at positions `(k - 1) * resumingChunk` .. `k * resumingChunk - 1` of the resume's reply, and
   * each confirmation rewrites one chunk.
   */
  resumingChunk: 1_000,
} as const;

/** Request-wide fields of the state hash. Stored format. */
export const RequestField = {
  /** The request's status (`pending`, `running`, `paused`, `completed`, `failed`, `stopped`). */
  status: 'status',
  /** When the request was created, started and finished (ms). */
  createdAt: 'createdAt',
  startedAt: 'startedAt',
  finishedAt: 'finishedAt',
  /** The error that failed the request (JSON). */
  error: 'error',
  /** Version of the flow definition the request runs on, to its end. */
  version: 'version',
  /** Job-id generation: bumped by each resume and rerun. */
  generation: 'generation',
  /**
   * Steps a resume or rerun released and has not confirmed enqueued yet (JSON: step -> generation), as
   * written before T3-2: read (and replaced by chunks) by the takes of `lua/includes/takeResuming.lua`.
   */
  resuming: 'resuming',
  /**
   * Prefix of the chunks of the steps a resume or rerun released and has not confirmed enqueued yet:
   * fields `resuming.1` .. `resuming.<n>`, each JSON step -> generation of at most
   * {@link StoredLimit.resumingChunk} steps (`lua/includes/storeResuming.lua`).
   */
  resumingChunk: 'resuming.',
  /** The number n of chunks `resuming.<k>` the last resume or rerun wrote (some may be confirmed). */
  resumingChunks: 'resumingChunks',
  /**
   * A rerun in progress (JSON, see `lua/rerunSlice.lua`): its generation and how far its bounded slices
   * got; the request stays failed or stopped until the last slice removes it. Added with T3-2.
   */
  rerunning: 'rerunning',
  /** The status a paused request had before the pause. */
  pausedFrom: 'pausedFrom',
  /** Every top-level terminal completed while the request was stopped or failed. */
  allDone: 'allDone',
  /** Top-level terminals completed so far. */
  terminalsDone: 'terminalsDone',
  /** The held set exists (it must expire with the request). */
  hasHeld: 'hasHeld',
  /** The `ctx.store` hash exists (it must expire with the request). */
  hasStore: 'hasStore',
  /** A child request's parent (JSON {@link ParentLink}): its end wakes the parent's node. */
  parent: 'parent',
  /** A request of a flow with a concurrency key: its key, once a root asked for a slot (released at its end). */
  concurrencyKey: 'concurrencyKey',
  /** Set while the request waits for a slot of its concurrency key: the key. */
  waitingForKey: 'waitingForKey',
  /** A debounced request: when its window ends (ms); removed once a root starts (`debounceGate.lua`). */
  debounceDue: 'debounceDue',
  /** The partition the request was placed in (`<count>.<index>`); absent: the flow's own queue. */
  partition: 'partition',
  /** The request's migrations to newer flow versions (JSON array of `{ from, to, at }`). Added with T3-1. */
  migrations: 'migrations',
  /**
   * The request's reruns from a node (JSON array of `{ from, at, inputReplaced }`, see
   * `lua/rerunFrom.lua`). Added with T3-7.
   */
  reruns: 'reruns',
  /**
   * The fingerprint of the input the request was created with ({@link inputFingerprint}), or '' when
   * its input may change (a debounced request). Added with T3-2 and written at the creation of every
   * request since: an execute that reuses the id with another input is refused
   * (`IDEMPOTENCY_KEY_REUSED`, see `lua/createRequests.lua`). A request created before T3-2 has no such
   * field: it accepts any input, as it did, and its children keep their old ids ({@link childRequestId}).
   */
  fingerprint: 'fp',
  /**
   * Bytes of chunk data the request's stream holds (see `lua/appendChunks.lua`); present once a handler
   * emitted, so that the request's end gives the stream its TTL. Added with T3-6.
   */
  streamBytes: 'streamBytes',
  /**
   * A request with a start deadline: by when (ms) its first node must begin, else it is stopped with
   * `DEADLINE_EXCEEDED` (see `queue/deadline-jobs.ts`). Added with T3-7.
   */
  startBy: 'startBy',
  /** A request with a finish deadline: by when (ms) it must end, else it is stopped. Added with T3-7. */
  finishBy: 'finishBy',
  /**
   * A request of a singleton flow: the name of its singleton key (`Keys.singleton`), which its end
   * clears if the key still names it. Added with T3-7.
   */
  singleton: 'singleton',
  /**
   * A request of a flow with `fairness`: JSON `[key, weight]`, computed from its input at its creation,
   * so that every node of it is dispatched in that key's turn (see `queue/fair-queues.ts`). Added with
   * T3-8.
   */
  fairKey: 'fairKey',
} as const;

/** Fields of each entry of a request's stream (`Keys.request().stream`). Stored format; added with T3-6. */
export const ChunkField = {
  /** The node path that emitted the chunk. */
  node: 'n',
  /** The attempt of the node that emitted it (1-based). */
  attempt: 'a',
  /** The chunk, encoded as node values are (`codec.ts`). */
  data: 'd',
} as const;

/** Request-wide fields of the data hash. Stored format. */
export const DataField = {
  /** The request's encoded input. */
  input: 'in',
  /** The request's encoded context (query, headers). */
  context: 'ctx',
} as const;

/**
 * Fields of the open batch of a batch key (`batchKeys().open`, flow option `batch`; see
 * `lua/batchAdd.lua`). Stored format; added with T3-8.
 */
export const BatchField = {
  /** The batch's id: the id its request gets. */
  id: 'id',
  /** When the batch closes by time (ms): its first input's arrival plus `maxWaitMs`. */
  due: 'due',
  /** Bytes of the batch's inputs as one encoded array (brackets and separators included). */
  bytes: 'bytes',
} as const;
