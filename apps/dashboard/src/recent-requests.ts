import type { RequestStatus, RequestSummary } from '@dagflow/server/contract';

/** What a flow's latest requests add up to, for its row on the flows page. */
export interface RecentRequests {
  /** How many requests were read (at most the page asked for). */
  readonly total: number;
  /** Requests by status. */
  readonly counts: Partial<Record<RequestStatus, number>>;
  /** The statuses, oldest first (the newest draws rightmost). */
  readonly statuses: readonly RequestStatus[];
  /** When the newest request was created. */
  readonly lastAt: number | undefined;
}

/** Sums up a page of requests, newest first as the API lists them. */
export function recentRequests(requests: readonly RequestSummary[]): RecentRequests {
  const counts: Partial<Record<RequestStatus, number>> = {};
  for (const { status } of requests) counts[status] = (counts[status] ?? 0) + 1;
  return {
    total: requests.length,
    counts,
    statuses: requests.map((request) => request.status).reverse(),
    lastAt: requests[0]?.createdAt,
  };
}

/** How long ago `at` was, for people: `just now`, `12 s ago`, `4 min ago`, `3 h ago`, `2 d ago`. */
export function ago(at: number, now: number): string {
  const seconds = Math.max(0, Math.floor((now - at) / 1_000));
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
