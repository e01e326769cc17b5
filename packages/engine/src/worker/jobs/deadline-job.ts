import { DelayedError, type Job } from 'bullmq';
import { type NodeJobData, parseJobId } from '../../format/job-layout.js';
import { clockNow } from '../../infra/clock.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { ExecutorDeps } from '../step/executor-deps.js';

const LIVE = new Set(['pending', 'running', 'paused']);

/**
 * Runs a request's deadline job (`queue/deadline-jobs.ts`) once its first deadline passed: stops the
 * request with `DEADLINE_EXCEEDED` if it is still live (a start deadline: only if none of its nodes
 * began, checked in the stop's script), else does nothing. A request that began in time but has a
 * later finish deadline sends the job back to BullMQ's delayed set until then.
 */
export async function runDeadline(
  deps: Pick<ExecutorDeps, 'store' | 'stopWith' | 'metrics'>,
  plan: FlowPlan,
  delivery: { readonly job: Job<NodeJobData>; readonly token: string | undefined },
): Promise<void> {
  const requestId = parseJobId(delivery.job.id ?? '')?.requestId;
  if (requestId === undefined) return;
  const flow = plan.name;
  const found = await deps.store.readDeadline(flow, requestId);
  if (found === undefined || !LIVE.has(found.status)) return;
  const now = clockNow();
  const { startBy, finishBy } = found;
  if (startBy !== undefined && !found.started && now >= startBy) {
    const stopped = await deps.stopWith(flow, requestId, {
      code: 'DEADLINE_EXCEEDED',
      message: `Stopped: no node of the request began within its start deadline (${new Date(startBy).toISOString()}).`,
      unstarted: true,
    });
    if (stopped) {
      deps.metrics.deadlineExceeded(flow, 'start');
      return;
    }
  }
  if (finishBy !== undefined && now >= finishBy) {
    const stopped = await deps.stopWith(flow, requestId, {
      code: 'DEADLINE_EXCEEDED',
      message: `Stopped: the request did not finish within its finish deadline (${new Date(finishBy).toISOString()}).`,
    });
    if (stopped) deps.metrics.deadlineExceeded(flow, 'finish');
    return;
  }
  // Not due yet (the start deadline passed after a start, or the job ran early): wait for the next one.
  const next = Math.min(
    finishBy ?? Infinity,
    startBy !== undefined && !found.started && startBy > now ? startBy : Infinity,
  );
  if (next === Infinity) return;
  await delivery.job.moveToDelayed(Date.now() + (next - now), delivery.token);
  throw new DelayedError();
}
