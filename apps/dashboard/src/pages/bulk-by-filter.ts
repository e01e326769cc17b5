import { type BulkBody, api } from '../server/api.js';
import { may } from '../server/session.js';
import { h } from '../dom.js';

type Action = BulkBody['action'];

/** How often a running bulk action's progress is read. */
const PROGRESS_MS = 300;

/**
 * Commands for every request the list's filter matches (its status and time range), however many
 * pages they span: the server runs them as one bulk action (`POST /flow/:name/requests/bulk`), and
 * its progress shows here until it is done. "Count" only counts, for each command, the requests it
 * would take (a dry run: `stop` takes live requests, `rerun` failed and stopped ones, and so on).
 */
export class BulkByFilter {
  /** The toolbar: the count, the commands (delete for admins only), the progress. */
  readonly element: HTMLElement;
  readonly #message = h('span', { 'data-testid': 'bulk-filter-result', role: 'status' });
  readonly #actions: readonly Action[];

  constructor(
    private readonly flow: string,
    private readonly filter: () => BulkBody['filter'],
    private readonly done: () => void,
  ) {
    this.#actions = ['stop', 'rerun', 'resume', ...(may('admin') ? ['delete' as const] : [])];
    this.element = h(
      'div',
      { class: 'toolbar bulk' },
      h('span', { class: 'muted' }, 'all matching the filter:'),
      h(
        'button',
        { type: 'button', 'data-bulk-filter': 'count', onclick: () => void this.#count() },
        'count',
      ),
      this.#actions.map((action) =>
        h(
          'button',
          { type: 'button', 'data-bulk-filter': action, onclick: () => void this.#run(action) },
          action,
        ),
      ),
      this.#message,
    );
  }

  /** Counts, for each command, the matching requests it would take (a dry run each). */
  async #count(): Promise<void> {
    await this.#try(async () => {
      const filter = this.filter();
      const counts = await Promise.all(
        this.#actions.map(async (action) => {
          const { matched } = await api.bulk(this.flow, { action, filter, dryRun: true });
          return `${action} ${matched ?? 0}`;
        }),
      );
      this.#message.textContent = counts.join(', ');
    });
  }

  async #run(action: Action): Promise<void> {
    await this.#try(async () => {
      const { id = '' } = await api.bulk(this.flow, { action, filter: this.filter() });
      for (;;) {
        const progress = await api.bulkProgress(this.flow, id);
        const failed = progress.failed > 0 ? `, ${progress.failed} failed` : '';
        this.#message.textContent = `${action}: ${progress.done} of ${progress.matched} done${failed}`;
        if (progress.status === 'completed') break;
        await new Promise((resolve) => setTimeout(resolve, PROGRESS_MS));
      }
      this.done();
    });
  }

  async #try(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#message.textContent = (error as Error).message;
    }
  }
}
