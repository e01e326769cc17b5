import type { FlowInfo, RequestStatus } from '@dagflow/server/contract';
import { dateTime, h, svg } from '../dom.js';
import { ago, type RecentRequests } from '../recent-requests.js';

/** What the flows page knows of one flow. */
export interface FlowOverview {
  readonly flow: FlowInfo;
  readonly recent: RecentRequests;
  /** Its schedules; `undefined` while unknown (or the caller may not read them). */
  readonly schedules: number | undefined;
}

/** The statuses a row counts, in the order it shows them. */
const SHOWN: readonly RequestStatus[] = [
  'running',
  'paused',
  'pending',
  'failed',
  'stopped',
  'completed',
];
/** Width of one request's tick in the strip, in px. */
const TICK = 3;

/** One flow's row: its DAG size, live workers, schedules, latest requests by status and the last one's time. */
export function flowRow({ flow, recent, schedules }: FlowOverview, now: number): HTMLElement {
  const workers = Object.entries(flow.workers);
  const total = workers.reduce((sum, [, count]) => sum + count, 0);
  const named = workers.filter(([queue]) => queue !== '').map(([queue, n]) => `${queue}: ${n}`);
  const link = `#/flows/${encodeURIComponent(flow.name)}`;
  return h(
    'tr',
    { 'data-flow': flow.name },
    h(
      'td',
      {},
      h('a', { href: link, class: 'flow-name' }, flow.name),
      h('div', { class: 'muted mono small', title: flow.version }, flow.version.slice(0, 10)),
    ),
    h('td', { 'data-testid': 'nodes' }, flow.nodes),
    h(
      'td',
      { class: total === 0 ? 'warn' : '', 'data-testid': 'workers' },
      String(total),
      named.length > 0 ? h('div', { class: 'muted small' }, named.join(', ')) : '',
    ),
    h('td', { 'data-testid': 'schedules' }, schedules === undefined ? '–' : schedules),
    h('td', { 'data-testid': 'recent' }, recentView(recent)),
    h(
      'td',
      { 'data-testid': 'last-request' },
      recent.lastAt === undefined
        ? h('span', { class: 'muted' }, 'none yet')
        : [
            h('div', {}, ago(recent.lastAt, now)),
            h('div', { class: 'muted small' }, dateTime(recent.lastAt)),
          ],
    ),
  );
}

/** Counts by status as badges over a strip of one tick per request, newest right. */
function recentView(recent: RecentRequests): HTMLElement {
  if (recent.total === 0) return h('span', { class: 'muted' }, 'no requests');
  const counts = SHOWN.filter((status) => (recent.counts[status] ?? 0) > 0).map((status) =>
    h(
      'span',
      { class: `count status-${status}`, 'data-status': status },
      `${recent.counts[status]} ${status}`,
    ),
  );
  const ticks = recent.statuses.map((status, index) =>
    svg('rect', {
      x: index * TICK,
      y: 0,
      width: TICK - 1,
      height: 14,
      class: `tick status-${status}`,
    }),
  );
  return h(
    'div',
    { class: 'recent' },
    h('div', { class: 'counts' }, counts),
    h(
      'div',
      { class: 'strip', title: `the last ${recent.total} requests, oldest left` },
      svg('svg', { width: recent.statuses.length * TICK, height: 14, role: 'img' }, ...ticks),
    ),
  );
}
