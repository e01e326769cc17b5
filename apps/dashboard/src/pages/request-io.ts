import { api } from '../api.js';
import type { DagDescription, RequestState } from '@dagflow/server/contract';
import { h, json } from '../dom.js';

/** Longer JSON is cut: the panel is for a look, the API for the whole value. */
const SHOWN_CHARS = 20_000;

/**
 * A request's input (what its first root received) and, once it completed, its result; or its error.
 * Each is fetched once.
 */
export class RequestIo {
  /** The panel. */
  readonly element: HTMLElement;
  readonly #input = h('pre', { 'data-testid': 'request-input' }, '…');
  readonly #result = h('pre', { 'data-testid': 'request-result' }, 'not yet');
  #inputAsked = false;
  #resultAsked = false;

  constructor(
    private readonly flow: string,
    private readonly requestId: string,
  ) {
    this.element = h(
      'div',
      { class: 'request-io' },
      h('section', {}, h('h2', {}, 'Input'), this.#input),
      h('section', {}, h('h2', {}, 'Result'), this.#result),
    );
  }

  /** Fetches what the request's state now makes available. */
  update(state: RequestState, dag: DagDescription): void {
    const root = dag.roots[0];
    if (!this.#inputAsked && root !== undefined) {
      this.#inputAsked = true;
      api.node(this.flow, this.requestId, root).then(
        (detail) => show(this.#input, detail.input),
        (error: Error) => (this.#input.textContent = error.message),
      );
    }
    if (state.status === 'failed' && state.error !== undefined)
      this.#result.textContent = `failed: ${state.error.message} (node ${state.error.node})`;
    else if (state.status === 'stopped') this.#result.textContent = 'stopped';
    // A state read before the one that said completed may arrive after it: the result stays.
    else if (state.status !== 'completed') {
      if (!this.#resultAsked) this.#result.textContent = 'not yet';
    } else if (!this.#resultAsked) {
      this.#resultAsked = true;
      api.result(this.flow, this.requestId).then(
        (result) => show(this.#result, result),
        (error: Error) => (this.#result.textContent = error.message),
      );
    }
  }
}

function show(element: HTMLElement, value: unknown): void {
  const text = json(value);
  element.textContent =
    text.length > SHOWN_CHARS
      ? `${text.slice(0, SHOWN_CHARS)}\n… (${text.length} characters)`
      : text;
}
