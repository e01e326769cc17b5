import type { Job } from 'bullmq';
import { decode } from '../../format/codec.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import { scheduledRequestId } from '../../format/request-ids.js';
import { type NodeJobData } from '../../format/job-layout.js';
import type { ExecutorDeps } from '../step/executor-deps.js';

/**
 * Turns one tick of a schedule (a job its BullMQ job scheduler added to the flow's queue) into an
 * ordinary request. Its id comes from the schedule id and the tick time, so a tick delivered twice
 * (a worker died after starting the request) starts one request; its `s~` prefix is one no caller's
 * `X-Request-Id` can have, so no caller can create it first.
 */
export async function startScheduledRequest(
  deps: ExecutorDeps,
  plan: FlowPlan,
  job: Job<NodeJobData>,
): Promise<void> {
  const scheduleId = job.data.s ?? job.opts.repeatJobKey ?? '';
  const requestId = scheduledRequestId(scheduleId, tickTime(job));
  const input = job.data.i === undefined ? null : decode(job.data.i);
  await deps.execute(plan, input, { requestId, scheduled: true });
  deps.log.info('schedule started a request', { flow: plan.name, schedule: scheduleId, requestId });
}

/** The tick's time: the end of the scheduler's job id (`repeat:<schedulerId>:<ms>`). */
function tickTime(job: Job<NodeJobData>): number {
  const id = job.id ?? '';
  const ms = Number(id.slice(id.lastIndexOf(':') + 1));
  return Number.isInteger(ms) && ms > 0 ? ms : job.timestamp + (job.opts.delay ?? 0);
}
