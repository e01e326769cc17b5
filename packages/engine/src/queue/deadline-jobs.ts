import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { ExecuteOptions } from '../types/types.js';
import { DEADLINE_STEP, jobId } from '../format/job-layout.js';
import type { Partition } from '../format/partitions.js';
import type { NodeQueues } from './node-queues.js';

/** A request's deadlines, ms since epoch (fields `startBy`, `finishBy` of its state). */
export interface Deadline {
  readonly startBy?: number;
  readonly finishBy?: number;
}

/**
 * Options of the engine's own delayed jobs (a request's deadline, a batch's close): a failed run
 * retries (a Redis error), then the job goes.
 */
export const ENGINE_JOB = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: true,
};

/**
 * The deadlines of a request executed `now`: the flow's `deadline` option, the execute's `deadlineMs`
 * replacing its `finishMs`; undefined when it has none.
 * @throws DagflowError `INVALID_INPUT` when `deadlineMs` is not an integer >= 0
 */
export function deadlineOf(
  plan: FlowPlan,
  options: Pick<ExecuteOptions, 'deadlineMs'>,
  now: number,
): Deadline | undefined {
  const { deadlineMs } = options;
  if (deadlineMs !== undefined && !(Number.isSafeInteger(deadlineMs) && deadlineMs >= 0)) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      `deadlineMs must be an integer >= 0 (ms from now; got ${String(deadlineMs)}).`,
      { details: { issues: [{ path: ['deadlineMs'], message: 'must be an integer >= 0' }] } },
    );
  }
  const { startMs, finishMs } = plan.hooks.deadline ?? {};
  const finish = deadlineMs ?? finishMs;
  if (startMs === undefined && finish === undefined) return undefined;
  return {
    ...(startMs === undefined ? {} : { startBy: now + startMs }),
    ...(finish === undefined ? {} : { finishBy: now + finish }),
  };
}

/**
 * Adds a request's deadline job: delayed until its first deadline, on the flow's own queue of its
 * partition, with an id made of the request id (adding it twice adds one). Its run stops the request
 * if it is still live then (see `worker/jobs/deadline-job.ts`).
 */
export async function armDeadline(
  queues: NodeQueues,
  plan: FlowPlan,
  request: {
    readonly requestId: string;
    readonly partition?: Partition;
    readonly deadline: Deadline;
    readonly now: number;
  },
): Promise<void> {
  const { startBy = Infinity, finishBy = Infinity } = request.deadline;
  const queue = queues.queue(plan.name, '', request.partition);
  await queue.add(
    DEADLINE_STEP,
    { v: plan.version },
    {
      ...ENGINE_JOB,
      jobId: jobId(request.requestId, DEADLINE_STEP),
      delay: Math.max(0, Math.min(startBy, finishBy) - request.now),
    },
  );
}

/**
 * Takes a request's deadline job off its queue once the request ended (in time): no stray delayed job
 * stays behind. A job that started (it is ending the request) is locked and stays.
 */
export async function removeDeadline(
  queues: NodeQueues,
  plan: FlowPlan,
  requestId: string,
): Promise<void> {
  const partition = await queues.partitionOf(plan.name, requestId);
  await queues
    .queue(plan.name, '', partition)
    .remove(jobId(requestId, DEADLINE_STEP))
    .catch(() => 0);
}
