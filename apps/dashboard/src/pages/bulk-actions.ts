import { api } from '../server/api.js';
import { h } from '../dom.js';

type BulkCommand = 'stop' | 'rerun';

/**
 * Selection of requests in a list, and the commands that apply to all of them at once (stop and
 * rerun; for roles that may). Each request is commanded on its own: the answer counts those done and
 * those refused (a rerun of a running request, a stop of a finished one).
 */
export class BulkActions {
  /** The toolbar: how many are selected, the commands, their outcome. */
  readonly element: HTMLElement;
  readonly #selected = new Set<string>();
  readonly #count = h('span', { class: 'muted', 'data-testid': 'selected-count' }, '0 selected');
  readonly #message = h('span', { 'data-testid': 'bulk-result', role: 'status' });
  readonly #buttons: HTMLButtonElement[];

  constructor(
    private readonly flow: string,
    private readonly done: () => void,
  ) {
    this.#buttons = (['stop', 'rerun'] as const).map(
      (command) =>
        h(
          'button',
          {
            type: 'button',
            'data-bulk': command,
            disabled: true,
            onclick: () => void this.#run(command),
          },
          `${command} selected`,
        ) as HTMLButtonElement,
    );
    this.element = h('div', { class: 'toolbar bulk' }, this.#count, this.#buttons, this.#message);
  }

  /** A checkbox that selects the request. */
  checkbox(requestId: string): HTMLElement {
    const box = h('input', {
      type: 'checkbox',
      'aria-label': `select ${requestId}`,
      'data-select': requestId,
      checked: this.#selected.has(requestId),
    }) as HTMLInputElement;
    box.addEventListener('change', () => {
      if (box.checked) this.#selected.add(requestId);
      else this.#selected.delete(requestId);
      this.#update();
    });
    return box;
  }

  #update(): void {
    this.#count.textContent = `${this.#selected.size} selected`;
    for (const button of this.#buttons) button.disabled = this.#selected.size === 0;
  }

  async #run(command: BulkCommand): Promise<void> {
    const ids = [...this.#selected];
    const outcomes = await Promise.allSettled(ids.map((id) => api.control(this.flow, id, command)));
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected').length;
    const past = command === 'stop' ? 'stopped' : 'rerun';
    this.#message.textContent =
      `${ids.length - refused} ${past}` + (refused > 0 ? `, ${refused} refused` : '');
    this.#selected.clear();
    this.#update();
    this.done();
  }
}
