import { api } from '../server/api.js';
import type { AttemptLog, NodeDetail } from '@dagflow/server/contract';
import { dateTime, h, json } from '../dom.js';
import type { InstanceState } from '../graph/graph-model.js';
import { describeCounts, countStatuses } from '../status.js';
import { NodeChunks } from './node-chunks.js';

const PAGE = 50;

/** The side panel of the request page: a node's detail, or the instances of a for-each body node. */
export class NodePanel {
  readonly element = h(
    'aside',
    { class: 'node-panel' },
    h('p', { class: 'muted' }, 'Click a node to see its input, output and error.'),
  );
  #title = '';
  #instances: readonly InstanceState[] = [];
  #page = 0;
  #open: string | undefined;
  #shown = '';
  /** The open node's chunks, read live while it runs (one stream at a time). */
  #chunks: NodeChunks | undefined;

  constructor(
    private readonly flow: string,
    private readonly requestId: string,
  ) {}

  /** Shows what was clicked: one instance's detail, or the list of many. */
  select(title: string, instances: readonly InstanceState[]): void {
    this.#title = title;
    this.#instances = ordered(instances);
    this.#page = 0;
    this.#open = instances.length === 1 ? instances[0]?.path : undefined;
    this.#shown = '';
    this.#render();
  }

  /** Takes the latest instances of the selected node; redraws when their states changed. */
  update(instances: readonly InstanceState[]): void {
    if (this.#title === '') return;
    this.#instances = ordered(instances);
    if (this.#open === undefined && instances.length === 1) this.#open = instances[0]?.path;
    this.#render();
  }

  /** Stops reading the open node's chunks (the page left). */
  close(): void {
    this.#chunks?.close();
    this.#chunks = undefined;
  }

  #render(): void {
    const open = this.#instances.find((instance) => instance.path === this.#open);
    if (this.#chunks?.path !== open?.path) this.close();
    const signature = JSON.stringify([
      this.#page,
      this.#open,
      open?.state,
      open ? 0 : this.#instances.map((i) => i.state.status),
    ]);
    if (signature === this.#shown) return;
    this.#shown = signature;
    if (this.#instances.length === 0) {
      this.element.replaceChildren(
        h('h2', {}, this.#title),
        h('p', { class: 'muted' }, 'Not started.'),
      );
    } else if (open !== undefined) {
      void this.#showDetail(open.path);
    } else {
      this.element.replaceChildren(h('h2', {}, this.#title), ...this.#list());
    }
  }

  #list(): HTMLElement[] {
    const counts = countStatuses(this.#instances.map((instance) => instance.state));
    const pages = Math.ceil(this.#instances.length / PAGE);
    const shown = this.#instances.slice(this.#page * PAGE, (this.#page + 1) * PAGE);
    const turn = (to: number) => () => {
      this.#page = to;
      this.#render();
    };
    return [
      h('p', { class: 'counts' }, `${this.#instances.length} instances: ${describeCounts(counts)}`),
      h(
        'ul',
        { class: 'instances' },
        shown.map((instance) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                onclick: () => {
                  this.#open = instance.path;
                  this.#render();
                },
              },
              instance.path,
            ),
            ' ',
            h('span', { class: `badge status-${instance.state.status}` }, instance.state.status),
          ),
        ),
      ),
      h(
        'p',
        { class: 'pager' },
        h(
          'button',
          { type: 'button', disabled: this.#page === 0, onclick: turn(this.#page - 1) },
          '‹ prev',
        ),
        ` page ${this.#page + 1} of ${pages} `,
        h(
          'button',
          { type: 'button', disabled: this.#page + 1 >= pages, onclick: turn(this.#page + 1) },
          'next ›',
        ),
      ),
    ];
  }

  async #showDetail(path: string): Promise<void> {
    let detail: NodeDetail;
    try {
      detail = await api.node(this.flow, this.requestId, path);
    } catch (error) {
      this.element.replaceChildren(
        h('h2', {}, path),
        h('p', { class: 'form-error' }, (error as Error).message),
      );
      return;
    }
    const { state } = detail;
    if (this.#open !== path) return;
    this.#chunks ??= new NodeChunks(this.flow, this.requestId, path);
    const back =
      this.#instances.length > 1
        ? h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: () => {
                this.#open = undefined;
                this.#render();
              },
            },
            `← all ${this.#instances.length} instances`,
          )
        : null;
    this.element.replaceChildren(
      h('h2', {}, path),
      back ?? '',
      h(
        'dl',
        {},
        h('dt', {}, 'status'),
        h(
          'dd',
          {},
          h(
            'span',
            { class: `badge status-${state.status}`, 'data-testid': 'node-status' },
            state.status,
          ),
        ),
        h('dt', {}, 'attempts'),
        h('dd', {}, state.attempts),
        h('dt', {}, 'started'),
        h('dd', {}, dateTime(state.startedAt)),
        state.finishedAt === undefined
          ? []
          : [
              h('dt', {}, state.status === 'failed' ? 'failed at' : 'finished'),
              h('dd', {}, dateTime(state.finishedAt)),
            ],
        state.waiting ? [h('dt', {}, 'note'), h('dd', {}, state.waiting)] : [],
        state.reason === 'STEP_UNAVAILABLE'
          ? [
              h('dt', {}, 'waits'),
              h(
                'dd',
                { 'data-testid': 'node-reason' },
                `STEP_UNAVAILABLE: no live worker has this node's code (since ${dateTime(state.unavailableSince)}); ` +
                  'it runs when a process with it starts, or when the request is migrated',
              ),
            ]
          : [],
        state.child
          ? [
              h('dt', {}, 'child request'),
              h('dd', {}, requestLink(state.child.flow, state.child.requestId)),
            ]
          : [],
        state.picked
          ? [
              h('dt', {}, 'picked'),
              h(
                'dd',
                {},
                state.picked.length > 20
                  ? `${state.picked.length} keys`
                  : state.picked.join(', ') || '(none)',
              ),
            ]
          : [],
        state.compensation
          ? [
              h('dt', {}, 'compensation'),
              h(
                'dd',
                {},
                `${state.compensation.status} after ${state.compensation.attempts} attempt(s)`,
              ),
            ]
          : [],
      ),
      state.error
        ? h(
            'div',
            { class: 'error-box' },
            h('strong', {}, state.error.code ?? state.error.name),
            ': ',
            state.error.message,
          )
        : '',
      h('h3', {}, 'input'),
      h('pre', { 'data-testid': 'node-input' }, json(detail.input)),
      h('h3', {}, 'output'),
      h('pre', { 'data-testid': 'node-output' }, json(detail.output)),
      this.#chunks.element,
      logsView(detail.logs ?? []),
    );
  }
}

const URGENCY = ['failed', 'retrying', 'running', 'queued'];

/** Failed and active instances first, then by path with item keys in numeric order. */
/** One collator for every sort: `localeCompare` with options builds a new one per call (seconds for 10,000 items). */
const PATHS = new Intl.Collator('en', { numeric: true });

function ordered(instances: readonly InstanceState[]): InstanceState[] {
  const rank = (instance: InstanceState) => {
    const at = URGENCY.indexOf(instance.state.status);
    return at === -1 ? URGENCY.length : at;
  };
  return [...instances].sort((a, b) => rank(a) - rank(b) || PATHS.compare(a.path, b.path));
}

/** What each attempt logged through `ctx.log`, one block per attempt. */
function logsView(logs: readonly AttemptLog[]): HTMLElement {
  if (logs.length === 0) return h('p', { class: 'muted' }, 'No log lines.');
  return h(
    'section',
    { 'data-testid': 'node-logs' },
    h('h3', {}, 'logs'),
    logs.map((log) =>
      h(
        'div',
        { class: 'attempt-log', 'data-attempt': log.attempt },
        h('div', { class: 'muted' }, `attempt ${log.attempt}`),
        h(
          'ol',
          { class: 'log-lines' },
          log.lines.map((line) =>
            h(
              'li',
              { class: `log-${line.level}` },
              h('span', { class: 'log-time' }, new Date(line.at).toLocaleTimeString('en-GB')),
              ' ',
              h('span', { class: 'log-level' }, line.level),
              ' ',
              line.message,
              line.fields === undefined ? '' : ` ${JSON.stringify(line.fields)}`,
            ),
          ),
          log.truncated
            ? h('li', { class: 'muted' }, '… later lines were dropped (32 kB cap)')
            : null,
        ),
      ),
    ),
  );
}

/** A link to a request's page (a child-flow node's child request). */
function requestLink(flow: string, requestId: string): HTMLElement {
  const href = `#/requests/${encodeURIComponent(flow)}/${encodeURIComponent(requestId)}`;
  return h('a', { href }, `${flow} / ${requestId}`);
}
