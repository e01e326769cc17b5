import { api } from '../api.js';
import type { DagDescription, RequestState, RequestStatus } from '../api-types.js';
import { clock, h } from '../dom.js';
import { type Box, type Cluster, type GraphModel, buildGraph } from '../graph-model.js';
import { graphView } from '../graph-view.js';
import { type Page, every } from '../router.js';
import { may } from '../session.js';
import { isEnded } from '../status.js';
import { buildTimeline } from '../timeline.js';
import { timelineView } from '../timeline-view.js';
import { NodePanel } from './node-panel.js';

type Command = 'pause' | 'resume' | 'stop' | 'rerun';

/** Where each command applies (the engine answers INVALID_TRANSITION elsewhere). */
const APPLIES: Record<Command, readonly RequestStatus[]> = {
  pause: ['pending', 'running'],
  resume: ['paused'],
  stop: ['pending', 'running', 'paused'],
  rerun: ['failed', 'stopped'],
};

/** One request: its DAG coloured by node status, live until it ends; controls, node details, timeline. */
export const requestPage: Page = (root, [flow = '', requestId = '']) => {
  const status = h('span', { class: 'badge', 'data-testid': 'request-status' });
  const meta = h('p', { class: 'muted' });
  const failure = h('div');
  const message = h('p', { class: 'form-error', role: 'alert' });
  const drawing = h('div', { class: 'dag-frame' });
  const timeline = h('div');
  const panel = new NodePanel(flow, requestId);
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
    h('div', { class: 'request-body' }, drawing, panel.element),
    h('h2', {}, 'Timeline'),
    timeline,
  );

  let dag: DagDescription | undefined;
  let model: GraphModel | undefined;
  let selected: string | undefined;
  let drawn = '';
  const select = (target: Box | Cluster): void => {
    selected = target.id;
    panel.select(target.id, target.instances);
  };
  const show = (state: RequestState): void => {
    status.textContent = state.status;
    status.className = `badge status-${state.status}`;
    status.dataset['status'] = state.status;
    const took =
      state.finishedAt === undefined ? '' : ` · took ${state.finishedAt - state.createdAt} ms`;
    meta.textContent = `flow ${flow} · created ${clock(state.createdAt)} · finished ${clock(state.finishedAt)}${took}`;
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
    if (dag === undefined) return;
    const signature = JSON.stringify(state.nodes);
    if (signature !== drawn) {
      drawn = signature;
      model = buildGraph(dag, state);
      drawing.replaceChildren(graphView(model, select));
      timeline.replaceChildren(timelineView(buildTimeline(state, Date.now())));
    }
    const current = [...(model?.boxes ?? []), ...(model?.clusters ?? [])].find(
      (target) => target.id === selected,
    );
    if (current !== undefined) panel.update(current.instances);
  };

  let stop: () => void = () => undefined;
  const poll = (): void => {
    stop();
    stop = every(1_000, async () => {
      dag ??= (await api.flow(flow)).dag;
      const state = await api.state(flow, requestId).catch((error: Error) => {
        message.textContent = error.message;
        throw error;
      });
      show(state);
      return !isEnded(state.status);
    });
  };
  const control = (command: Command): void => {
    message.textContent = '';
    api
      .control(flow, requestId, command)
      .then(poll, (error: Error) => (message.textContent = error.message));
  };
  poll();
  return () => stop();
};
