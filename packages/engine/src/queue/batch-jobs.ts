import type { FlowPlan } from '../plan/flow-plan.js';
import { BATCH_STEP, jobId } from '../format/job-layout.js';
import type { Partition } from '../format/partitions.js';
import type { NodeQueues } from './node-queues.js';
import { ENGINE_JOB } from './deadline-jobs.js';

/**
 * Adds a batch's close job: delayed until the batch's close time, on the flow's own queue of the
 * partition its request will be in, with an id made of the batch id (every execute of the batch adds
 * it before it answers, and adding it twice adds one). Its run closes the batch, if nothing did
 * before, and creates its request (see `worker/jobs/batch-close.ts`), so a batch whose filling
 * execute died before creating the request is not lost.
 */
export async function armBatchClose(
  queues: NodeQueues,
  plan: FlowPlan,
  batch: {
    readonly batchId: string;
    /** The batch key the batch belongs to. */
    readonly key: string;
    readonly partition: Partition;
    readonly due: number;
    readonly now: number;
  },
): Promise<void> {
  await queues.queue(plan.name, '', batch.partition).add(
    BATCH_STEP,
    { v: plan.version, bk: batch.key },
    {
      ...ENGINE_JOB,
      jobId: jobId(batch.batchId, BATCH_STEP),
      delay: Math.max(0, batch.due - batch.now),
    },
  );
}

/**
 * Takes a batch's close job off its queue once its request exists (the batch filled before its time):
 * no delayed job waits `maxWaitMs` to do nothing. One that started meanwhile is locked and stays.
 */
export async function disarmBatchClose(
  queues: NodeQueues,
  plan: FlowPlan,
  batch: { readonly batchId: string; readonly partition: Partition },
): Promise<void> {
  await queues
    .queue(plan.name, '', batch.partition)
    .remove(jobId(batch.batchId, BATCH_STEP))
    .catch(() => 0);
}
