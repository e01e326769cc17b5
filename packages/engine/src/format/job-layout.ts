/**
 * The stored layout of a node's BullMQ job: its id, its data and the owner tokens its deliveries
 * write (field `w|` of `layout.ts`). STORED FORMAT: jobs outlive deploys; see `layout.ts` for the rules
 * of a change.
 */
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
  /** A batch's close job ({@link BATCH_STEP}): the batch key (flow option `batch`; `''` without one). */
  readonly bk?: string;
  /**
   * Set on a job the fair scheduler dispatched (`fairness`): the request's fair key; its end gives the
   * key's slot back (`queue/fair-queues.ts`), and the steps it releases are enqueued under that key.
   * Added with T3-8.
   */
  readonly f?: string;
  /** With `f`: the request's fair weight, when not 1. */
  readonly fw?: number;
}

/**
 * Name of the jobs a schedule's BullMQ job scheduler adds to the flow's own queue, one per tick (node
 * jobs are named by their node path). A worker of the flow turns each into a request. Stored format.
 */
export const SCHEDULE_JOB = '@schedule';

/**
 * Path of the job that runs a request's compensations and flow hooks once it has ended (in its job
 * id). Stored format.
 */
export const FINISH_STEP = '@finish';

/**
 * Path of a request's deadline job (in its job id `<requestId>|@deadline`, so that adding it twice
 * adds one): a delayed job of the flow's own queue that stops the request if it is still live when a
 * deadline passes (see `queue/deadline-jobs.ts`). Stored format; added with T3-7.
 */
export const DEADLINE_STEP = '@deadline';

/**
 * Path of a batch's close job (in its job id `<batch id>|@batch`, so that every execute of the batch
 * adding it adds one): a delayed job of the flow's own queue, due at the batch's `maxWaitMs`, that
 * closes the batch and creates its request (see `queue/batch-jobs.ts`). Stored format; added with T3-8.
 */
export const BATCH_STEP = '@batch';

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
