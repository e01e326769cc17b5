import { DelayedError, type Job } from 'bullmq';
import type { NodeJobData } from '../../format/job-layout.js';
import { parseJobId } from '../../format/job-layout.js';
import type { ExecutorDeps } from '../step/executor-deps.js';

/**
 * Before a root of a debounced request runs: while a later call extended its window, the job goes back
 * to BullMQ's delayed set until the window's end (BullMQ's `DelayedError`); once it has passed, the
 * window closes (no call joins any more) and the root runs.
 */
export async function waitForDebounce(
  deps: Pick<ExecutorDeps, 'debounce'>,
  flow: string,
  delivery: { readonly job: Job<NodeJobData>; readonly token: string | undefined },
): Promise<void> {
  const { job, token } = delivery;
  const requestId = parseJobId(job.id ?? '')?.requestId;
  if (requestId === undefined) return;
  const waitMs = await deps.debounce.gate(flow, requestId);
  if (waitMs <= 0) return;
  await job.moveToDelayed(Date.now() + waitMs, token);
  throw new DelayedError();
}
