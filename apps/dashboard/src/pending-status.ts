import type { RequestStatus } from '@dagflow/server/contract';
import type { BoxStatus } from './status.js';

/** What a drawn task needs for {@link pendingStatus}: its status, and those of its parents. */
export interface PendingCase {
  readonly status: BoxStatus;
  readonly parents: readonly BoxStatus[];
}

/**
 * What a task that has not started means in its request: in a paused request, one whose parents are all
 * done is `held` (it starts on resume); in a failed or stopped request it is `not-run` (it never will,
 * unless the request is rerun). Other statuses are returned unchanged.
 */
export function pendingStatus(request: RequestStatus, box: PendingCase): BoxStatus {
  if (box.status !== 'pending' && box.status !== 'queued') return box.status;
  if (request === 'failed' || request === 'stopped') return 'not-run';
  if (request !== 'paused') return box.status;
  return box.parents.every((parent) => parent === 'completed' || parent === 'skipped')
    ? 'held'
    : box.status;
}
