import type { RequestState } from '@dagflow/engine';

/** Where progress goes: stderr, and whether it is a terminal. */
export interface ProgressSink {
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
}

/**
 * Progress of a request: on a terminal one line, redrawn in place; piped, a plain line whenever it
 * changes. `end()` finishes the terminal's line.
 */
export class Progress {
  #last = '';
  /** A redrawn line is on the terminal and not ended yet. */
  #open = false;

  constructor(private readonly sink: ProgressSink) {}

  /** Shows the request's state: nodes done of all, its status, the names of running nodes. */
  show(state: RequestState): void {
    const line = progressLine(state);
    if (line === this.#last) return;
    this.#last = line;
    this.sink.write(this.sink.isTTY ? `\r\u001b[2K${line}` : `${line}\n`);
    this.#open = this.sink.isTTY;
  }

  /** Ends the redrawn line on a terminal, so that what follows starts on its own line. */
  end(): void {
    if (this.#open) this.sink.write('\n');
    this.#open = false;
  }
}

/** `2/5 nodes done (running): face-detect, face-match`. */
export function progressLine(state: RequestState): string {
  const nodes = Object.entries(state.nodes);
  const done = nodes.filter(([, node]) => node.status === 'completed').length;
  const running = nodes.filter(([, node]) => node.status === 'running').map(([path]) => path);
  const names = running.length === 0 ? '' : `: ${running.join(', ')}`;
  return `${done}/${nodes.length} nodes done (${state.status})${names}`;
}
