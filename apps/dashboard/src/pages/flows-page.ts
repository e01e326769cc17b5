import type { FlowInfo } from '@dagflow/server/contract';
import { api } from '../server/api.js';
import { h } from '../dom.js';
import { recentRequests } from '../recent-requests.js';
import { type Page, every } from '../router.js';
import { may } from '../server/session.js';
import { executeForm } from './execute-form.js';
import { type FlowOverview, flowRow } from './flow-row.js';

/** How many of each flow's latest requests its row sums up. */
const RECENT = 50;
/** Schedules change seldom: read them every this many refreshes. */
const SCHEDULES_EVERY = 5;

/**
 * Registered flows, one row each (DAG size, live workers, schedules, the latest requests by status
 * and the last one's time), refreshed every 2 s; and the execute form.
 */
export const flowsPage: Page = (root) => {
  const table = h('tbody');
  const form = h('div');
  const heads = [
    'flow',
    'nodes',
    'live workers',
    'schedules',
    `last ${RECENT} requests`,
    'last request',
  ];
  root.append(
    h('h1', {}, 'Flows'),
    h(
      'table',
      { class: 'flows' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          heads.map((head) => h('th', {}, head)),
        ),
      ),
      table,
    ),
    form,
  );
  let formFor = '';
  let tick = 0;
  const schedules = new Map<string, number | undefined>();
  return every(2_000, async () => {
    const flows = await api.flows();
    const readSchedules = tick++ % SCHEDULES_EVERY === 0;
    const overviews = await Promise.all(
      flows.map((flow) => overview(flow, schedules, readSchedules)),
    );
    const now = Date.now();
    table.replaceChildren(...overviews.map((each) => flowRow(each, now)));
    if (flows.length === 0) {
      table.append(
        h('tr', {}, h('td', { colspan: heads.length, class: 'muted' }, 'No flows yet.')),
      );
    }
    const names = flows.map((flow) => flow.name).join('\n');
    if (names !== formFor && may('operator')) {
      formFor = names;
      form.replaceChildren(executeForm(flows.map((flow) => flow.name)));
    }
  });
};

/** Reads one flow's latest requests (and, when due, its schedules into `schedules`). */
async function overview(
  flow: FlowInfo,
  schedules: Map<string, number | undefined>,
  readSchedules: boolean,
): Promise<FlowOverview> {
  const [page] = await Promise.all([
    api.requests(flow.name, { limit: RECENT }).catch(() => ({ requests: [] })),
    readSchedules
      ? api.schedules(flow.name).then(
          (list) => schedules.set(flow.name, list.length),
          () => schedules.set(flow.name, undefined),
        )
      : undefined,
  ]);
  return { flow, recent: recentRequests(page.requests), schedules: schedules.get(flow.name) };
}
