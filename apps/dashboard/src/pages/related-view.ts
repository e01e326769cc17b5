import type { NodeState, RequestState } from '@dagflow/server/contract';
import { api } from '../server/api.js';
import { dateTime, h } from '../dom.js';
import type { GraphModel, InstanceState } from '../graph/graph-model.js';
import { may } from '../server/session.js';
import { isEnded } from '../status.js';

/**
 * A request's relations: the parent request of a child, the child requests its child-flow nodes
 * started, and its signal nodes (waiting, delivered or not reached) with a form to send one.
 * Nothing shows for a request that has none.
 */
export class RelatedView {
  /** The section (empty when there is nothing to show). */
  readonly element = h('section', { class: 'related', 'data-testid': 'related' });
  #drawn = '';

  constructor(
    private readonly flow: string,
    private readonly requestId: string,
  ) {}

  /** Redraws when what it shows changed (a form being typed in survives other changes). */
  update(state: RequestState, model: GraphModel): void {
    const of = (kind: string): InstanceState[] =>
      model.boxes.filter((box) => box.wait?.kind === kind).flatMap((box) => box.instances);
    const children = of('flow').filter((instance) => instance.state.child !== undefined);
    const signals: { path: string; state: NodeState | undefined }[] = model.boxes
      .filter((box) => box.wait?.kind === 'signal')
      .flatMap((box): { path: string; state: NodeState | undefined }[] =>
        box.instances.length > 0 ? [...box.instances] : [{ path: box.id, state: undefined }],
      );
    const open = !isEnded(state.status);
    const signature = JSON.stringify([state.parent, children, signals, open]);
    if (signature === this.#drawn) return;
    this.#drawn = signature;
    const rows = [
      state.parent === undefined
        ? []
        : row('parent', requestLink(state.parent.flow, state.parent.requestId), [
            `node ${state.parent.node}`,
          ]),
      children.map(({ path, state: node }) =>
        row('child', requestLink(node.child!.flow, node.child!.requestId), [
          `node ${path}`,
          badge(node.status),
        ]),
      ),
      signals.map(({ path, state: node }) =>
        row('signal', h('span', { class: 'mono' }, path), [
          signalText(node),
          open && node?.status !== 'completed' && may('operator') ? this.#form(path) : '',
        ]),
      ),
    ].flat();
    this.element.replaceChildren(
      rows.length === 0 ? '' : h('h2', {}, 'Related'),
      rows.length === 0 ? '' : h('table', {}, h('tbody', {}, rows)),
    );
  }

  /**
   * Sends the signal `path` with a JSON payload, prefilled with an empty object: flows publish no
   * payload schema to draw an example from, and `{}` is a payload a flow can read fields of.
   */
  #form(path: string): HTMLElement {
    const payload = h('input', {
      type: 'text',
      name: 'payload',
      value: '{}',
      placeholder: 'JSON payload',
      'aria-label': `payload for ${path}`,
    }) as HTMLInputElement;
    const message = h('span', { class: 'form-error', role: 'alert' });
    return h(
      'form',
      {
        class: 'signal-form',
        'data-signal': path,
        onsubmit: (event) => {
          event.preventDefault();
          message.textContent = '';
          api.signal(this.flow, this.requestId, path, payload.value).then(
            () => (message.textContent = ''),
            (error: Error) => (message.textContent = error.message),
          );
        },
      },
      payload,
      h('button', { type: 'submit' }, 'Send signal'),
      message,
    );
  }
}

function row(kind: string, what: HTMLElement, notes: (HTMLElement | string)[]): HTMLElement {
  return h(
    'tr',
    { 'data-related': kind },
    h('th', {}, kind),
    h('td', {}, what),
    notes.map((note) => h('td', {}, note)),
  );
}

/** `waiting since …`, `delivered …`, `not reached yet`, or its failure (a timeout). */
function signalText(node: NodeState | undefined): HTMLElement | string {
  if (node === undefined || node.status === 'pending') return 'not reached yet';
  if (node.status === 'waiting') return `waiting since ${dateTime(node.startedAt)}`;
  if (node.status === 'completed') return `delivered ${dateTime(node.finishedAt)}`;
  return node.error === undefined ? node.status : `${node.status}: ${node.error.message}`;
}

function badge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}` }, status);
}

function requestLink(flow: string, requestId: string): HTMLElement {
  const href = `#/requests/${encodeURIComponent(flow)}/${encodeURIComponent(requestId)}`;
  return h('a', { href }, `${flow} / ${requestId}`);
}
