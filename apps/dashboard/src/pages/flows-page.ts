import { api } from '../api.js';
import { h } from '../dom.js';
import { type Page, every } from '../router.js';
import { may } from '../session.js';
import { executeForm } from './execute-form.js';

/** Registered flows with their live worker counts, and the execute form. */
export const flowsPage: Page = (root) => {
  const table = h('tbody');
  const form = h('div');
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
          h('th', {}, 'flow'),
          h('th', {}, 'nodes'),
          h('th', {}, 'live workers'),
          h('th', {}, 'version'),
        ),
      ),
      table,
    ),
    form,
  );
  let formFor = '';
  return every(2_000, async () => {
    const flows = await api.flows();
    table.replaceChildren(
      ...flows.map((flow) => {
        const workers = Object.entries(flow.workers);
        const total = workers.reduce((sum, [, count]) => sum + count, 0);
        const named = workers
          .filter(([queue]) => queue !== '')
          .map(([queue, n]) => `${queue}: ${n}`);
        return h(
          'tr',
          { 'data-flow': flow.name },
          h('td', {}, h('a', { href: `#/flows/${encodeURIComponent(flow.name)}` }, flow.name)),
          h('td', {}, flow.nodes),
          h(
            'td',
            { class: total === 0 ? 'warn' : '' },
            String(total),
            named.length > 0 ? ` (${named.join(', ')})` : '',
          ),
          h('td', { class: 'mono' }, flow.version.slice(0, 10)),
        );
      }),
    );
    const names = flows.map((flow) => flow.name).join('\n');
    if (names !== formFor && may('operator')) {
      formFor = names;
      form.replaceChildren(executeForm(flows.map((flow) => flow.name)));
    }
  });
};
