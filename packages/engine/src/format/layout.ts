import { createHash } from 'node:crypto';

/**
 * The stored layout of a request: the field names of its state and data hashes, the data of its node
 * jobs and their job ids. Key names live beside it in `keys.ts`; the Lua scripts in `lua/` take the
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
  /** State hash: when the step started (ms). */
  startedAt: 't0|',
  /** State hash: when the step finished (ms). */
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
   * `<generation>.<delivery>@<job's step path>` for a step run inside an earlier step's job).
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
  /** Steps a resume or rerun released and has not confirmed enqueued yet (JSON: step -> generation). */
  resuming: 'resuming',
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

/** The node of a parent request that runs a child request (`dag.flow`). Stored format (field `parent`). */
export interface ParentLink {
  readonly flow: string;
  readonly requestId: string;
  readonly node: string;
}

/** The fingerprint of an encoded request input: 128 bits of its sha256, base64url. Stored format (field `fp`). */
export function inputFingerprint(encodedInput: string): string {
  return createHash('sha256').update(encodedInput).digest('base64url').slice(0, 22);
}

/**
 * The id of the child request a parent's child-flow node (`dag.flow`) runs: the same for every attempt,
 * resume and rerun of the node, so the child starts once and a rerun of the parent reaches it. Stored
 * format (it names existing children).
 *
 * Since T3-2 it is `child~<hash>`: `~` lies outside the alphabet of caller-supplied ids, so no caller
 * can create a request with it before the parent does. A parent created before T3-2 (its state has no
 * {@link RequestField.fingerprint} field, see {@link childIdForm}) keeps the old `child-<hash>`
 * ids, so that it finds the children it started before the deploy; callers may not use the `child-`
 * prefix either (`INVALID_REQUEST_ID`), and a parent adopts only a child whose `parent` field names it.
 */
export function childRequestId(
  parentRequestId: string,
  path: string,
  form: 'tilde' | 'legacy' = 'tilde',
): string {
  const hash = createHash('sha256').update(`${parentRequestId}|${path}`).digest('base64url');
  return `${form === 'tilde' ? CHILD_ID_PREFIX : LEGACY_CHILD_ID_PREFIX}${hash.slice(0, 24)}`;
}

/** Prefix of child request ids since T3-2. Stored format. */
export const CHILD_ID_PREFIX = 'child~';

/** Prefix of child request ids before T3-2, refused in caller-supplied ids. Stored format. */
export const LEGACY_CHILD_ID_PREFIX = 'child-';

/**
 * The form of the child ids of a parent, from its {@link RequestField.fingerprint} field (undefined: the
 * parent was created before T3-2); see {@link childRequestId}.
 */
export function childIdForm(parentFingerprint: string | undefined): 'tilde' | 'legacy' {
  return parentFingerprint === undefined ? 'legacy' : 'tilde';
}

/**
 * Why a job runs a step that waits (a signal or child-flow node) again: `w` something it waits for
 * arrived (a signal, the child's end), `t` its signal timeout passed. Stored format (job data `k`).
 */
export type WakeKind = 'w' | 't';

/**
 * The fencing token of one delivery of a step's job: its job-id generation and BullMQ's count of the
 * job's starts. Unique per delivery, so a retry, a takeover after a lost lock and a job of a newer
 * generation each own the step apart from the attempts before them (see `lua/beginNode.lua`). Stored format
 * (field `w|`).
 */
export function ownerToken(job: {
  readonly data: { readonly g?: number; readonly k?: WakeKind };
  readonly attemptsStarted: number;
}): string {
  // A wake job's deliveries get their own tokens (suffix `w` or `t`), apart from the step's own job.
  return `${job.data.g ?? 0}.${Math.max(job.attemptsStarted, 1)}${job.data.k ?? ''}`;
}

/** The job-id generation an owner token belongs to (0 for none); as `owner_generation` in Lua. */
export function ownerGeneration(owner: string | null | undefined): number {
  return Number(/^r?(\d+)/.exec(owner ?? '')?.[1] ?? 0);
}

/**
 * The owner token of a step a job runs after its own (a chain's next step, a for-each item of a
 * batch): the job's token and the job's own step path, `<token>@<job path>`, so that a redelivery of
 * the job takes over what it ran (see {@link chainOwnerSuffix}). Stored format (field `w|`); its
 * generation reads like the job's (`lua/includes/ownerToken.lua`).
 */
export function chainOwner(jobToken: string, jobPath: string): string {
  return `${jobToken}@${jobPath}`;
}

/** What the owner tokens of the steps a job ran after its own end with (see {@link chainOwner}). */
export function chainOwnerSuffix(jobPath: string): string {
  return `@${jobPath}`;
}

/**
 * Data of a node's BullMQ job. Which request and which node it runs are in its job id (see
 * {@link jobId}); everything else lives in the request state. Stored format (jobs outlive deploys).
 */
export interface NodeJobData {
  /** Job-id generation: 0 at first, bumped by each resume and rerun. */
  readonly g?: number;
  /** Version of the flow definition the request runs on. */
  readonly v?: string;
  /**
   * Trace context of the span that enqueued the job, when tracing is on: the fields the registered
   * OpenTelemetry propagator injects (W3C `traceparent`, `tracestate`).
   */
  readonly t?: Readonly<Record<string, string>>;
  /** The step's encoded input, when its only parent handed it over (see `node-executor.ts`). */
  readonly i?: string;
  /** The request's encoded context (query, headers), with `i`. */
  readonly c?: string;
  /** Set on a job that wakes a waiting step (see {@link WakeKind}); its job id ends in `|<kind>`. */
  readonly k?: WakeKind;
  /** Set on the roots of a debounced request: they wait until its window has passed (`debounceGate.lua`). */
  readonly d?: 1;
  /** A schedule's tick job ({@link SCHEDULE_JOB}): the schedule id; `i` is the requests' encoded input. */
  readonly s?: string;
  /**
   * For-each items this job runs after its own step, one after the other (see `worker/step/successors/item-batch.ts`);
   * each begins, completes and is fenced as its own step. Added with T2-7: an engine from before it
   * ignores the field and runs only the job's own item, so every worker of a flow must run this
   * version or later before one of them starts a for-each.
   */
  readonly b?: readonly string[];
  /** The encoded inputs of the items in `b`, in order (null: none handed over, read from Redis). */
  readonly bi?: readonly (string | null)[];
}

/**
 * Name of the jobs a schedule's BullMQ job scheduler adds to the flow's own queue, one per tick (node
 * jobs are named by their node path). A worker of the flow turns each into a request. Stored format.
 */
export const SCHEDULE_JOB = '@schedule';

/**
 * Request id of a schedule's tick: `s~<scheduleId>.<tick time in ms>`, the same in every process, so a
 * tick delivered twice starts one request. Stored format.
 *
 * Since T3-2 the prefix is `s~` (before: `s.`): `~` lies outside the alphabet of caller-supplied ids
 * (`X-Request-Id`, `execute(..., { requestId })`), as with {@link CHILD_ID_PREFIX}, so no caller can
 * create the next tick's request first and have the schedule adopt it (or skip the tick). A tick taken
 * before a deploy and delivered again to a worker after it starts a second request once (its first,
 * `s.` one, was made by the old worker).
 */
export function scheduledRequestId(scheduleId: string, tickMs: number): string {
  return `${TICK_ID_PREFIX}${scheduleId}.${tickMs}`;
}

/** Prefix of schedule-tick request ids since T3-2 (see {@link scheduledRequestId}). Stored format. */
export const TICK_ID_PREFIX = 's~';

/**
 * Path of the job that runs a request's compensations and flow hooks once it has ended (in its job
 * id). Stored format.
 */
export const FINISH_STEP = '@finish';

/**
 * BullMQ job id of one step of one request: `<requestId>|<path>`, with `|<generation>` after a resume
 * or rerun. Ids and node ids never hold `:`, which BullMQ rejects, but item keys of for-each branches
 * may, so `%` and `:` are escaped. Steps enqueued again by resume or rerun carry the request's new
 * generation, so that a finished job still in BullMQ cannot swallow them. Stored format.
 */
export function jobId(requestId: string, path: string, generation = 0, wake?: WakeKind): string {
  const plain = generation === 0 ? `${requestId}|${path}` : `${requestId}|${path}|${generation}`;
  // A wake job has its own id (`|<generation>|<kind>`): the step's own job may still exist.
  const id = wake === undefined ? plain : `${requestId}|${path}|${generation}|${wake}`;
  return id.includes('%') || id.includes(':') ? id.replace(/%/g, '%25').replace(/:/g, '%3A') : id;
}

/** Reverses {@link jobId}: the request id and the step path of a node job. */
export function parseJobId(id: string): { requestId: string; path: string } | undefined {
  const plain = id.includes('%') ? id.replace(/%3A/g, ':').replace(/%25/g, '%') : id;
  const [requestId, path] = plain.split('|');
  return requestId === undefined || path === undefined ? undefined : { requestId, path };
}
