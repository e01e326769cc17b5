import type { NodeState, NodeStatus, RequestStatus } from '@dagflow/server/contract';

/**
 * A drawn node's status: a node status, `skipped` for a branch that was not picked, `held` for a task a
 * paused request holds back, `not-run` for one a failed or stopped request never reached.
 */
export type BoxStatus = NodeStatus | 'skipped' | 'held' | 'not-run';

/** The words a box shows under its name for a status. */
export function statusText(status: BoxStatus): string {
  if (status === 'held') return 'held (paused)';
  if (status === 'not-run') return 'not run';
  return status;
}

/** Counts of instances by status (for-each items collapse into one box with counts). */
export type StatusCounts = Partial<Record<NodeStatus, number>>;

const ENDED: ReadonlySet<RequestStatus> = new Set(['completed', 'failed', 'stopped']);

/** Whether a request has reached its end (no more polling needed). */
export function isEnded(status: RequestStatus): boolean {
  return ENDED.has(status);
}

/** Counts the instances' statuses. */
export function countStatuses(instances: readonly NodeState[]): StatusCounts {
  const counts: StatusCounts = {};
  for (const { status } of instances) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * One status for many instances of a node: any failure shows failed; else any activity shows it (running,
 * retrying, waiting, queued); all completed shows completed; a mix of completed and pending is still running.
 */
export function combinedStatus(counts: StatusCounts): NodeStatus {
  if (counts.failed) return 'failed';
  for (const status of ['running', 'retrying', 'waiting', 'queued'] as const)
    if (counts[status]) return status;
  if (counts.completed) return counts.pending ? 'running' : 'completed';
  return 'pending';
}

/** A short text of counts, most advanced first: `980 completed · 20 running`. */
export function describeCounts(counts: StatusCounts): string {
  const order: NodeStatus[] = [
    'completed',
    'running',
    'retrying',
    'waiting',
    'queued',
    'pending',
    'failed',
  ];
  return order
    .filter((status) => (counts[status] ?? 0) > 0)
    .map((status) => `${counts[status]} ${status}`)
    .join(' · ');
}
