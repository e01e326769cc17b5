import { DagflowError, ErrorCode, NonRetryableError } from '@dagflow/flow';
import { type Job, UnrecoverableError } from 'bullmq';
import type { NodeJobData } from '../../format/job-layout.js';
import type { NodeError } from '../../types/types.js';

/** A final failure already recorded in the request state; BullMQ must not retry it. */
export class RecordedFailure extends UnrecoverableError {}

const FINAL_CODES: ReadonlySet<string> = new Set([
  ErrorCode.INVALID_OUTPUT,
  ErrorCode.INVALID_BRANCH_KEY,
  ErrorCode.INVALID_ITEMS,
  ErrorCode.TOO_MANY_ITEMS,
  ErrorCode.HTTP_TARGET_FORBIDDEN,
  ErrorCode.QUEUE_FORBIDDEN,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.REQUEST_STOPPED,
  ErrorCode.DEFINITION_INVALID,
  ErrorCode.SIGNAL_TIMEOUT,
  ErrorCode.CHILD_FLOW_FAILED,
]);

/** Whether the error is the abort of a stopped request. */
export function isStop(error: unknown): boolean {
  return error instanceof DagflowError && error.code === ErrorCode.REQUEST_STOPPED;
}

/** Whether a failed attempt is the last: no attempts left, or an error that must not be retried. */
export function isFinalAttempt(job: Job<NodeJobData>, error: unknown): boolean {
  if (error instanceof UnrecoverableError || error instanceof NonRetryableError) return true;
  if (error instanceof Error && error.name === 'NonRetryableError') return true;
  if (error instanceof DagflowError && FINAL_CODES.has(error.code)) return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** Normalises anything a handler throws into the error recorded in the request state. */
export function toNodeError(node: string, attempts: number, error: unknown): NodeError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      node,
      attempts,
      message: error.message,
      name: error.name,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { node, attempts, message: String(error), name: 'Error' };
}
