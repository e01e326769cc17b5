import { h } from '../dom.js';
import { liveStream } from '../server/live-stream.js';

/** Chunks drawn at most; later ones are counted. */
const SHOWN = 500;

/** One `chunk` event of the request's chunk stream (`GET /flow/:name/requests/:id/stream`). */
interface ChunkEvent {
  readonly attempt: number;
  readonly seq: number;
  readonly data: unknown;
  readonly encoding?: 'base64';
}

/**
 * The chunks one node emits (`ctx.emit`), live while it runs: the request's chunk stream with
 * `?node=<path>` (the server ends it when the node ends). A stream that breaks resumes after the last
 * chunk seen (`?from=<seq>`); each attempt's chunks follow a line naming it.
 */
export class NodeChunks {
  readonly element: HTMLElement;
  readonly #title = h('h3', {}, 'chunks (live)');
  readonly #list = h('ol', { class: 'chunk-list' });
  readonly #more = h('p', { class: 'muted' });
  #count = 0;
  #seq = 0;
  #attempt = 0;
  #closed = false;
  #stop: () => void = () => undefined;

  constructor(
    private readonly flow: string,
    private readonly requestId: string,
    readonly path: string,
  ) {
    this.element = h(
      'section',
      { 'data-testid': 'node-chunks', class: 'node-chunks' },
      this.#title,
      this.#list,
      this.#more,
    );
    this.#open();
  }

  /** Stops reading (another node was selected, or the page left). */
  close(): void {
    this.#closed = true;
    this.#stop();
  }

  #open(): void {
    const path =
      `/flow/${encodeURIComponent(this.flow)}/requests/${encodeURIComponent(this.requestId)}` +
      `/stream?node=${encodeURIComponent(this.path)}&from=${this.#seq}`;
    let ended = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const close = liveStream(
      path,
      ({ event, data }) => {
        if (event === 'chunk') this.#add(data as ChunkEvent);
        else if (event === 'end') ended = true;
      },
      () => {
        if (ended || this.#closed) return this.#ended();
        retry = setTimeout(() => this.#open(), 1_000);
      },
    );
    this.#stop = () => {
      clearTimeout(retry);
      close();
    };
  }

  #add(chunk: ChunkEvent): void {
    this.#seq = chunk.seq;
    this.#count += 1;
    if (this.#count > SHOWN) {
      this.#more.textContent = `… and ${this.#count - SHOWN} more`;
      return;
    }
    if (chunk.attempt !== this.#attempt) {
      this.#attempt = chunk.attempt;
      this.#list.append(h('li', { class: 'muted chunk-attempt' }, `attempt ${chunk.attempt}`));
    }
    const text =
      chunk.encoding === 'base64'
        ? `(${Math.floor((chunk.data as string).length * 0.75)} bytes)`
        : typeof chunk.data === 'string'
          ? chunk.data
          : JSON.stringify(chunk.data);
    this.#list.append(h('li', { 'data-seq': chunk.seq }, text));
  }

  #ended(): void {
    this.#title.textContent = 'chunks';
    if (this.#count === 0) this.element.replaceChildren(h('p', { class: 'muted' }, 'No chunks.'));
  }
}
