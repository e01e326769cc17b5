import { DelayedError, type Job } from 'bullmq';
import type { FlowPlan } from '../plan/flow-plan.js';
import { type NodeJobData, parseJobId } from '../format/job-layout.js';
import type { NodeQueues } from './node-queues.js';
import type { Keys } from '../format/keys.js';

/**
 * How long a diverted job waits in BullMQ's delayed set at most: the scheduler promotes it in its
 * key's turn; should that promotion be lost (a process died in between), it runs after this anyway.
 */
const SAFETY_DELAY_MS = 5 * 60_000;

/**
 * Before a step of a flow with `fairness` runs: a job that did not come through the fair scheduler (an
 * execute in a process without the flow's code, which cannot compute the key; a process of an earlier
 * version) is diverted into it. The job waits in BullMQ's delayed set (`moveToDelayed` and
 * `DelayedError`: no attempt counted, no worker slot held) with its request's fair key in its data, and
 * the scheduler promotes it in that key's turn. Wake jobs, debounced roots and the request's own jobs
 * (finish, deadline) are not scheduled.
 */
export async function divertToFair(
  { queues, keys }: { readonly queues: NodeQueues; readonly keys: Keys },
  plan: FlowPlan,
  delivery: { readonly job: Job<NodeJobData>; readonly token: string | undefined },
): Promise<void> {
  const { job, token } = delivery;
  const { data } = job;
  if (plan.hooks.fairness === undefined || data.f !== undefined) return;
  if (data.k !== undefined || data.d === 1 || job.id === undefined) return;
  const ids = parseJobId(job.id);
  if (ids === undefined || plan.resolve(ids.path) === undefined) return;
  const tag = await queues.fair.tagOf(plan, ids.requestId);
  const tagged: NodeJobData = {
    ...data,
    f: tag.key,
    ...(tag.weight === 1 ? {} : { fw: tag.weight }),
  };
  await job.updateData(tagged);
  await job.moveToDelayed(Date.now() + SAFETY_DELAY_MS, token);
  const partition = keys.partitionOfQueue(job.queueName);
  const opts = { ...job.opts, jobId: job.id };
  const diverted = { name: job.name, data: tagged, opts, promote: true };
  await queues.fair.enqueue(plan, partition, [{ queueName: job.queueName, job: diverted }], tag);
  throw new DelayedError();
}
