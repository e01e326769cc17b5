import type { Job } from 'bullmq';
import { type NodeJobData, parseJobId } from '../../format/job-layout.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import { batchTtl, startBatch } from '../../client/start/batch-execute.js';
import type { ExecutorDeps } from '../step/executor-deps.js';

/**
 * Runs a batch's close job (`queue/batch-jobs.ts`) once its `maxWaitMs` passed: closes the batch, if
 * a full one's execute has not already, and creates its request. A batch turned into a request
 * before does nothing.
 */
export async function closeBatch(
  deps: Pick<ExecutorDeps, 'redis' | 'keys' | 'execute'>,
  plan: FlowPlan,
  job: Job<NodeJobData>,
): Promise<void> {
  const batchId = parseJobId(job.id ?? '')?.requestId;
  if (batchId === undefined) return;
  const ttlMs = batchTtl(plan.hooks.batch?.maxWaitMs ?? 0);
  await startBatch(
    deps,
    plan,
    { flow: plan.name, key: job.data.bk ?? '', id: batchId },
    { start: (input, options) => deps.execute(plan, input, options), ttlMs },
  );
}
