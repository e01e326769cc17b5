import type { EnqueueOptions } from '../../../queue/node-queues.js';
import { itemBatches } from '../../../plan/item-batches.js';
import { jobId, type NodeJobData } from '../../../format/job-layout.js';
import { type Carrier, serverOf, traceSend } from '../../../infra/tracing.js';
import { RecordedFailure } from '../attempt-errors.js';
import { runInline } from './inline-successor.js';
import type { Run } from '../step-run.js';

/** Jobs added per round trip, at first... */
const FIRST_BULK = 10;
/** ...doubling up to this many (each carries up to `MAX_ITEMS_PER_JOB` items). */
const MAX_BULK = 80;

/**
 * Enqueues the items of a for-each whose body is one task (see `plan/item-batches.ts`) several to a
 * job: the job of the first item of each batch, its data listing the others (`b`) and their handed-over
 * inputs (`bi`). `entries` are all the items the start step released, in order, so that the batches
 * (and their job ids) are the same every time; of them, a batch is added only when all its items are
 * in `paths` (a repeated release leaves out a batch whose job began some of them: that job, redelivered
 * after a crash or failed for good, settles the rest; see `runItemBatch` and `inline-failures.ts`).
 */
export function enqueueItemBatches(
  run: Run,
  items: {
    readonly paths: readonly string[];
    readonly entries: readonly string[];
    readonly inputs?: EnqueueOptions['inline'];
    readonly generation?: number;
  },
): Promise<void> {
  const { paths, entries, inputs } = items;
  if (paths.length === 0) return Promise.resolve();
  const wanted = new Set(paths);
  const batches = itemBatches(entries).filter((batch) => batch.every((path) => wanted.has(path)));
  if (batches.length === 0) return Promise.resolve();
  const { plan, requestId, deps, job } = run;
  const generation = items.generation ?? job.data.g ?? 0;
  const input = (path: string): string | undefined =>
    typeof inputs?.input === 'string' ? inputs.input : inputs?.input.get(path);
  const queueName = plan.queueOf(batches[0]?.[0] ?? '');
  const queue = deps.queues.queue(plan.name, queueName, deps.keys.partitionOfQueue(job.queueName));
  const toJob = (trace: Carrier | undefined) => (batch: readonly string[]) => {
    const [first = '', ...rest] = batch;
    const own = input(first);
    const data: NodeJobData = {
      v: plan.version,
      ...(trace === undefined ? {} : { t: trace }),
      ...(generation === 0 ? {} : { g: generation }),
      ...(own === undefined ? {} : { i: own }),
      ...(inputs?.context == null ? {} : { c: inputs.context }),
      ...(rest.length === 0 ? {} : { b: rest }),
      ...(rest.length === 0 || inputs === undefined
        ? {}
        : { bi: rest.map((p) => input(p) ?? null) }),
    };
    const opts = {
      ...deps.queues.jobOptions(plan, first),
      jobId: jobId(requestId, first, generation),
      ...(job.opts.priority === undefined ? {} : { priority: job.opts.priority }),
    };
    return { name: first, data, opts };
  };
  const send = async (trace: Carrier | undefined): Promise<void> => {
    const make = toJob(trace);
    let size = FIRST_BULK;
    for (let i = 0; i < batches.length; i += size, size = Math.min(size * 2, MAX_BULK))
      await queue.addBulk(batches.slice(i, i + size).map(make));
  };
  // No carrier means no tracing SDK: skip the (no-op) send span on this hot path.
  if (run.carrier === undefined) return send(undefined);
  const target = {
    flow: plan.name,
    queue: deps.keys.queueName(plan.name, queueName),
    requestId,
    server: serverOf(deps.redis),
    jobIds: batches.map((batch) => jobId(requestId, batch[0] ?? '', generation)),
  };
  return traceSend(target, run.carrier, send);
}

/**
 * Runs a job that carries several for-each items (see {@link enqueueItemBatches}): its own item, then
 * the others one after the other, as steps of its chain (owner `<delivery token>@<own item's path>`,
 * see `inline-successor.ts`), so that the job takes one worker slot and runs one handler at a time, as
 * a job of one item would. Each item begins, completes and is fenced as its own step; a redelivery of
 * the job begins again the items that did not complete (through `beginNode`, taking over a running
 * one), and a job given up fails the items it left (`inline-failures.ts`); after the request was heard
 * paused, stopped or failed, the items left begin through the guard too. An item's final failure is
 * recorded as its own and does not keep the others from running; the job then fails with the own
 * item's failure, if it had one.
 */
export async function runItemBatch(run: Run): Promise<void> {
  const { b: rest = [], bi: inputs = [], c: context = null } = run.job.data;
  const requestKey = `${run.plan.name}/${run.requestId}`;
  // Once the request was paused, stopped or failed during the job, the items left go through the guard
  // (a resume or rerun may have enqueued them again meanwhile), not handed their input.
  const marks = run.deps.heldMarks(requestKey);
  let failure: RecordedFailure | undefined;
  try {
    await run.runner.runStep(run);
  } catch (error) {
    if (!(error instanceof RecordedFailure)) throw error;
    failure = error;
  }
  for (let i = 0; i < rest.length; i++) {
    const input = inputs[i];
    const unchanged = run.deps.heldMarks(requestKey) === marks;
    const handed = input == null || !unchanged ? undefined : { output: input, context };
    await runInline(run, rest[i] ?? '', { handed });
  }
  if (failure !== undefined) throw failure;
}
