import { api } from '../server/api.js';
import type { DagDescription, RequestState } from '@dagflow/server/contract';
import { h, json } from '../dom.js';
import { resultPanel } from '../result-panel.js';

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
    const panel = resultPanel(state, this.#resultAsked);
    if (panel === 'keep') return;
    if (panel !== 'fetch') {
      this.#result.textContent = panel.show;
      return;
    }
    this.#resultAsked = true;
    api.result(this.flow, this.requestId).then(
      (result) => show(this.#result, result),
      (error: Error) => (this.#result.textContent = error.message),
    );
  }
}

function show(element: HTMLElement, value: unknown): void {
  const text = json(value);
  element.textContent =
    text.length > SHOWN_CHARS
      ? `${text.slice(0, SHOWN_CHARS)}\n… (${text.length} characters)`
      : text;
}
