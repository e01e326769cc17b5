import { api } from '../server/api.js';
import type { RequestStatus, RequestSummary } from '@dagflow/server/contract';
import { dateTime, duration, h } from '../dom.js';
import { buildGraph } from '../graph/graph-model.js';
import { graphView } from '../graph/graph-view.js';
import { GraphViewport } from '../graph/graph-viewport.js';
import { liveStream, pollingAllowed } from '../server/live-stream.js';
import { type Page, every, navigate } from '../router.js';
import { may } from '../server/session.js';
import { BulkActions } from './bulk-actions.js';
import { BulkByFilter } from './bulk-by-filter.js';
import { executeForm } from './execute-form.js';
import { schedulesView } from './schedules-view.js';
import { versionsView } from './versions-view.js';

/** Time ranges of the request list, in ms back from now. */
const RANGES: Readonly<Record<string, number>> = {
  'any time': Infinity,
  'last hour': 3_600_000,
  'last 24 hours': 86_400_000,
  'last 7 days': 7 * 86_400_000,
};

const STATUSES: readonly RequestStatus[] = [
  'pending',
  'running',
  'paused',
  'completed',
  'failed',
  'stopped',
];

/**
 * One flow: its DAG, schedules and versions, the execute form, and its requests with a status filter
 * and search by id.
 */
export const flowPage: Page = (root, [name = '']) => {
  const drawing = new GraphViewport();
  const workers = h('span', { class: 'muted' });
  const rows = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'Older requests');
  const filter = h(
    'select',
    { 'aria-label': 'status filter' },
    h('option', { value: '' }, 'all statuses'),
    STATUSES.map((status) => h('option', { value: status }, status)),
  ) as HTMLSelectElement;
  const since = h(
    'select',
    { 'aria-label': 'time range' },
    Object.keys(RANGES).map((range) => h('option', { value: range }, range)),
  ) as HTMLSelectElement;
  // Requests are listed newest first: a time range hides the older rows of the pages loaded.
  const applyRange = (): void => {
    const after = Date.now() - (RANGES[since.value] ?? Infinity);
    for (const tr of rows.children as HTMLCollectionOf<HTMLElement>)
      tr.hidden = Number(tr.dataset['created']) < after;
  };
  since.addEventListener('change', applyRange);
  const bulk = may('operator') ? new BulkActions(name, () => void loadFirst()) : undefined;
  const byFilter = may('operator')
    ? new BulkByFilter(
        name,
        () => ({
          ...(filter.value === '' ? {} : { status: filter.value as RequestStatus }),
          ...(Number.isFinite(RANGES[since.value] ?? Infinity)
            ? { createdAfter: Date.now() - (RANGES[since.value] ?? 0) }
            : {}),
        }),
        () => void loadFirst(),
      )
    : undefined;
  const schedules = h('div');
  const versions = h('div');
  const search = h('input', {
    type: 'search',
    placeholder: 'request id',
    'aria-label': 'request id',
  }) as HTMLInputElement;
  const searchError = h('span', { class: 'form-error', role: 'alert' });
  const searchForm = h(
    'form',
    {
      class: 'inline',
      onsubmit: (event) => {
        event.preventDefault();
        const id = search.value.trim();
        api.state(name, id).then(
          () => navigate(`/requests/${encodeURIComponent(name)}/${encodeURIComponent(id)}`),
          (error: Error) => (searchError.textContent = error.message),
        );
      },
    },
    search,
    h('button', { type: 'submit' }, 'Open'),
    searchError,
  );
  root.append(
    h('p', {}, h('a', { href: '#/' }, '← flows')),
    h('h1', {}, name, ' ', workers),
    drawing.element,
    schedules,
    versions,
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        {},
        h('h2', {}, 'Requests'),
        h('div', { class: 'toolbar' }, filter, since, searchForm),
        bulk?.element ?? '',
        byFilter?.element ?? '',
        h(
          'table',
          { class: 'requests' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              bulk === undefined ? '' : h('th', {}, ''),
              h('th', {}, 'request'),
              h('th', {}, 'status'),
              h('th', {}, 'created'),
              h('th', {}, 'finished'),
              h('th', {}, 'duration'),
            ),
          ),
          rows,
        ),
        more,
      ),
      h('section', { class: 'execute' }),
    ),
  );

  let cursor: string | undefined;
  const row = (request: RequestSummary): HTMLElement =>
    h(
      'tr',
      { 'data-request': request.requestId, 'data-created': request.createdAt },
      bulk === undefined ? '' : h('td', {}, bulk.checkbox(request.requestId)),
      h(
        'td',
        { class: 'mono' },
        h(
          'a',
          {
            href: `#/requests/${encodeURIComponent(name)}/${encodeURIComponent(request.requestId)}`,
          },
          request.requestId,
        ),
      ),
      h('td', {}, h('span', { class: `badge status-${request.status}` }, request.status)),
      h('td', {}, dateTime(request.createdAt)),
      h('td', {}, dateTime(request.finishedAt)),
      h(
        'td',
        { class: 'duration' },
        request.finishedAt === undefined ? '–' : duration(request.finishedAt - request.createdAt),
      ),
    );
  const loadFirst = async (): Promise<void> => {
    const page = await api.requests(name, { status: filter.value as RequestStatus | '' });
    rows.replaceChildren(...page.requests.map(row));
    cursor = page.cursor;
    more.hidden = cursor === undefined;
    applyRange();
  };
  filter.addEventListener('change', () => void loadFirst());
  more.addEventListener('click', () => {
    if (cursor === undefined) return;
    void api.requests(name, { status: filter.value as RequestStatus | '', cursor }).then((page) => {
      rows.append(...page.requests.map(row));
      cursor = page.cursor;
      more.hidden = cursor === undefined;
      applyRange();
    });
  });

  void api.flow(name).then(
    (flow) => {
      drawing.show(graphView(buildGraph(flow.dag)));
      schedules.replaceChildren(schedulesView(flow.schedules));
    },
    (error: Error) =>
      drawing.element.replaceChildren(h('p', { class: 'form-error' }, error.message)),
  );
  // A server without the versions route (older than the dashboard) leaves the section out.
  void api.versions(name).then(
    (list) => versions.replaceChildren(versionsView(list)),
    () => undefined,
  );
  void api.flows().then((flows) => {
    if (!may('operator')) return;
    root.querySelector('section.execute')?.replaceChildren(
      executeForm(
        flows.map((flow) => flow.name),
        name,
      ),
    );
  });
  // The first page of requests follows the flow's announcements (created, paused, ended...), a
  // fifth of a second after the last one; the user's older pages stay as they are.
  let refresh: ReturnType<typeof setTimeout> | undefined;
  let streaming = false;
  void loadFirst();
  let first = true;
  const closeStream = liveStream(
    `/flow/${encodeURIComponent(name)}/events`,
    () => {
      streaming = true;
      clearTimeout(refresh);
      refresh = setTimeout(() => {
        if (rows.children.length <= 25) void loadFirst();
      }, 200);
    },
    () => (streaming = false),
  );
  const stopPolling = every(2_000, async () => {
    const flow = (await api.flows()).find((candidate) => candidate.name === name);
    const live = Object.values(flow?.workers ?? {}).reduce((sum, n) => sum + n, 0);
    workers.textContent = `${live} live worker${live === 1 ? '' : 's'}`;
    // Without the stream, the first page is refreshed here, while the user has not paged further.
    if (!streaming && pollingAllowed() && rows.children.length <= 25 && !first) await loadFirst();
    first = false;
  });
  return () => {
    clearTimeout(refresh);
    closeStream();
    stopPolling();
  };
};
