import { api } from '../server/api.js';
import type { DagDescription, RequestState, RequestStatus } from '@dagflow/server/contract';
import { dateTime, duration, h } from '../dom.js';
import { type Box, type Cluster, type GraphModel, buildGraph } from '../graph/graph-model.js';
import { graphView } from '../graph/graph-view.js';
import { GraphViewport } from '../graph/graph-viewport.js';
import { type Page, every } from '../router.js';
import { may } from '../server/session.js';
import { isEnded } from '../status.js';
import { liveStream, pollingAllowed, withLiveEvent } from '../server/live-stream.js';
import { buildTimeline } from '../timeline/timeline.js';
import { timelineView } from '../timeline/timeline-view.js';
import { NodePanel } from './node-panel.js';
import { RelatedView } from './related-view.js';
import { RequestIo } from './request-io.js';
import { RequestShapes } from './request-shapes.js';

type Command = 'pause' | 'resume' | 'stop' | 'rerun';

/** Where each command applies (the engine answers INVALID_TRANSITION elsewhere). */
const APPLIES: Record<Command, readonly RequestStatus[]> = {
  pause: ['pending', 'running'],
  resume: ['paused'],
  stop: ['pending', 'running', 'paused'],
  rerun: ['failed', 'stopped'],
};

/**
 * One request: its DAG (the shape of the request's own version) coloured by node status, live until it
 * ends; controls, node details, timeline.
 */
export const requestPage: Page = (root, [flow = '', requestId = '']) => {
  const status = h('span', { class: 'badge', 'data-testid': 'request-status' });
  const meta = h('p', { class: 'muted' });
  const failure = h('div');
  const message = h('p', { class: 'form-error', role: 'alert' });
  const drawing = new GraphViewport();
  const timeline = h('div');
  const panel = new NodePanel(flow, requestId);
  const io = new RequestIo(flow, requestId);
  const related = new RelatedView(flow, requestId);
  // A viewer sees no controls: the server would refuse them (403).
  const commands = may('operator') ? (Object.keys(APPLIES) as Command[]) : [];
  const buttons = commands.map((command) =>
    h(
      'button',
      { type: 'button', 'data-action': command, disabled: true, onclick: () => control(command) },
      command,
    ),
  );
  root.append(
    h('p', {}, h('a', { href: `#/flows/${encodeURIComponent(flow)}` }, `← ${flow}`)),
    h('h1', {}, 'Request ', h('span', { class: 'mono' }, requestId), ' ', status),
    meta,
    failure,
    h('div', { class: 'toolbar' }, buttons, message),
    h('div', { class: 'request-body' }, drawing.element, panel.element),
    io.element,
    related.element,
    h('h2', {}, 'Timeline'),
    timeline,
  );

  const shapes = new RequestShapes(flow);
  let model: GraphModel | undefined;
  let selected: string | undefined;
  let drawn = '';
  const select = (target: Box | Cluster): void => {
    selected = target.id;
    panel.select(target.id, target.instances);
  };
  const show = (state: RequestState, dag: DagDescription): void => {
    status.textContent = state.status;
    status.className = `badge status-${state.status}`;
    status.dataset['status'] = state.status;
    meta.textContent = timesText(state, Date.now());
    // A child request (dag.flow) links to its parent request.
    const { parent } = state;
    if (parent !== undefined) {
      const href = `#/requests/${encodeURIComponent(parent.flow)}/${encodeURIComponent(parent.requestId)}`;
      meta.append(
        ' · child of ',
        h('a', { href }, `${parent.flow} / ${parent.requestId}`),
        ` (${parent.node})`,
      );
    }
    failure.replaceChildren(
      state.error
        ? h(
            'div',
            { class: 'error-box' },
            `Node ${state.error.node} failed after ${state.error.attempts} attempt(s): ${state.error.message}`,
          )
        : '',
    );
    for (const button of buttons) {
      (button as HTMLButtonElement).disabled = !APPLIES[
        button.dataset['action'] as Command
      ].includes(state.status);
    }
    io.update(state, dag);
    const signature = JSON.stringify([state.version, state.nodes]);
    if (signature !== drawn) {
      drawn = signature;
      const started = performance.now();
      model = buildGraph(dag, state);
      drawing.show(graphView(model, select));
      timeline.replaceChildren(timelineView(buildTimeline(state, Date.now())));
      // How long the last redraw took (model, layout, SVG, timeline): the browser tests read it.
      drawing.element.dataset['renderMs'] = (performance.now() - started).toFixed(1);
    }
    const current = [...(model?.boxes ?? []), ...(model?.clusters ?? [])].find(
      (target) => target.id === selected,
    );
    if (current !== undefined) panel.update(current.instances);
    if (model !== undefined) related.update(state, model);
  };

  // Live: states pushed by the server as nodes change. When the stream fails (an old server, a proxy
  // that buffers) the page polls every second instead; when it just closes, it reconnects.
  // States are shown in the order they came, each once the DAG of its version is known.
  let shown = Promise.resolve();
  const receive = (state: RequestState): void => {
    shown = shown
      .then(async () => show(state, await shapes.of(state.version)))
      .catch((error: Error) => void (message.textContent = error.message));
  };
  let stop: () => void = () => undefined;
  let current: RequestState | undefined;
  const follow = (): void => {
    stop();
    let ended = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const close = liveStream(
      `/flow/${encodeURIComponent(flow)}/requests/${encodeURIComponent(requestId)}/events`,
      ({ event, data }) => {
        if (event === 'end') ended = true;
        // After the first state, only what changed comes: nodes, the request's status.
        const next = withLiveEvent(current, event, data);
        if (next !== undefined) receive((current = next));
      },
      (error) => {
        if (ended) return;
        if (error !== undefined && pollingAllowed()) poll();
        else retry = setTimeout(follow, 1_000);
      },
    );
    stop = () => {
      clearTimeout(retry);
      close();
    };
  };
  const poll = (): void => {
    stop();
    stop = every(1_000, async () => {
      const state = await api.state(flow, requestId).catch((error: Error) => {
        message.textContent = error.message;
        throw error;
      });
      show(state, await shapes.of(state.version));
      return !isEnded(state.status);
    });
  };
  const control = (command: Command): void => {
    message.textContent = '';
    api
      .control(flow, requestId, command)
      .then(follow, (error: Error) => (message.textContent = error.message));
  };
  follow();
  return () => {
    stop();
    panel.close();
  };
};

/**
 * `flow kyc · version 3f9a… · created … · started … (queued 120 ms) · finished … · took 1.2 s`, or
 * `· running for 3.0 s`; then each migration, `· migrated from … to … at …`.
 */
function timesText(state: RequestState, now: number): string {
  const { createdAt, startedAt, finishedAt } = state;
  const parts = [`flow ${state.flow}`];
  if (state.version !== undefined) parts.push(`version ${state.version}`);
  parts.push(`created ${dateTime(createdAt)}`);
  if (startedAt !== undefined)
    parts.push(`started ${dateTime(startedAt)} (queued ${duration(startedAt - createdAt)})`);
  if (finishedAt !== undefined)
    parts.push(`finished ${dateTime(finishedAt)}`, `took ${duration(finishedAt - createdAt)}`);
  else parts.push(`running for ${duration(now - createdAt)}`);
  for (const { from, to, at } of state.migrations ?? [])
    parts.push(`migrated from ${from} to ${to} at ${dateTime(at)}`);
  return parts.join(' · ');
}
