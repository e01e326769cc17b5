import type { NodeState, RequestState } from '@dagflow/server/contract';
import { templateOf } from '../paths.js';
import { type BoxStatus, combinedStatus, countStatuses } from '../status.js';

/**
 * One bar of the timeline: a node from its latest attempt's start to its end (or now). The items of a
 * for-each body share one row per node, from the first item's start to the last one's end.
 */
export interface TimelineRow {
  /** The node's path, or its template (`each/square`) for a row of several items. */
  readonly path: string;
  readonly status: BoxStatus;
  /** Instances in the row: 1, or the for-each items that started. */
  readonly instances: number;
  /** Most attempts any instance made. */
  readonly attempts: number;
  /** Offsets from the request's creation, in ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly running: boolean;
  /** The error of the (first) failed instance. */
  readonly error?: string;
}

/** The timeline's rows (by start) and its span; at most `limit` rows, `hidden` counts the rest. */
export interface Timeline {
  readonly rows: readonly TimelineRow[];
  readonly spanMs: number;
  readonly hidden: number;
}

/** Rows of every node that started, in start order, measured from the request's creation. */
export function buildTimeline(state: RequestState, now: number, limit = 200): Timeline {
  const origin = state.createdAt;
  const end = state.finishedAt ?? now;
  const groups = new Map<string, [string, NodeState][]>();
  for (const entry of Object.entries(state.nodes)) {
    if (entry[1].startedAt === undefined) continue;
    const template = templateOf(entry[0]);
    const group = groups.get(template);
    if (group === undefined) groups.set(template, [entry]);
    else group.push(entry);
  }
  const all = [...groups].map(([template, group]): TimelineRow => {
    const nodes = group.map(([, node]) => node);
    const startMs = Math.min(...nodes.map((node) => node.startedAt ?? origin)) - origin;
    const running = nodes.some((node) => node.finishedAt === undefined);
    const lastEnd = running ? end : Math.max(...nodes.map((node) => node.finishedAt ?? end));
    const failed = nodes.find((node) => node.error !== undefined)?.error;
    return {
      path: group.length === 1 ? (group[0]?.[0] ?? template) : template,
      status:
        group.length === 1 ? (nodes[0]?.status ?? 'pending') : combinedStatus(countStatuses(nodes)),
      instances: group.length,
      attempts: Math.max(...nodes.map((node) => node.attempts)),
      startMs,
      endMs: Math.max(startMs, lastEnd - origin),
      running,
      ...(failed === undefined ? {} : { error: failed.message }),
    };
  });
  all.sort((a, b) => a.startMs - b.startMs);
  const rows = all.slice(0, limit);
  return {
    rows,
    spanMs: Math.max(1, end - origin, ...rows.map((row) => row.endMs)),
    hidden: all.length - rows.length,
  };
}
