import { api } from '../server/api.js';
import type { WorkerInfo } from '@dagflow/server/contract';
import { dateTime, duration, h } from '../dom.js';
import { type Page, every } from '../router.js';

/** Live worker processes: host, pid, version, heartbeat, the queues they serve and what they run. */
export const workersPage: Page = (root) => {
  const rows = h('tbody');
  const summary = h('p', { class: 'muted' });
  root.append(
    h('h1', {}, 'Workers'),
    summary,
    h(
      'table',
      { class: 'workers' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['process', 'version', 'up', 'last heartbeat', 'serves', 'running'].map((title) =>
            h('th', {}, title),
          ),
        ),
      ),
      rows,
    ),
  );
  return every(2_000, async () => {
    const workers = await api.workers();
    const running = workers.reduce((sum, worker) => sum + worker.runningCount, 0);
    summary.textContent = `${workers.length} live worker process${workers.length === 1 ? '' : 'es'}, ${running} node${running === 1 ? '' : 's'} running.`;
    rows.replaceChildren(...workers.map((worker) => row(worker, Date.now())));
  });
};

function row(worker: WorkerInfo, now: number): HTMLElement {
  const flows = new Map<string, string[]>();
  for (const { flow, queue } of worker.queues)
    flows.set(flow, [...(flows.get(flow) ?? []), queue === '' ? '(own queue)' : `@${queue}`]);
  return h(
    'tr',
    { 'data-worker': worker.id },
    h('td', { class: 'mono', title: worker.id }, `${worker.host} · pid ${worker.pid}`),
    h('td', {}, worker.version),
    h('td', {}, duration(now - worker.startedAt)),
    h(
      'td',
      { title: dateTime(worker.beatAt) },
      `${duration(Math.max(0, now - worker.beatAt))} ago`,
    ),
    h(
      'td',
      {},
      [...flows].map(([flow, queues]) =>
        h(
          'div',
          {},
          h('a', { href: `#/flows/${encodeURIComponent(flow)}` }, flow),
          ` ${queues.join(', ')}`,
        ),
      ),
    ),
    h(
      'td',
      { 'data-testid': 'running' },
      worker.runningCount === 0
        ? '–'
        : h(
            'ul',
            { class: 'running-nodes' },
            worker.running.map((node) =>
              h(
                'li',
                {},
                h(
                  'a',
                  {
                    href: `#/requests/${encodeURIComponent(node.flow)}/${encodeURIComponent(node.requestId)}`,
                    class: 'mono',
                  },
                  `${node.flow} ${node.requestId} ${node.path}`,
                ),
                ` ${duration(now - node.since)}`,
              ),
            ),
            worker.runningCount > worker.running.length
              ? h(
                  'li',
                  { class: 'muted' },
                  `and ${worker.runningCount - worker.running.length} more`,
                )
              : null,
          ),
    ),
  );
}
