import type { BulkProgress, RequestState } from '@dagflow/engine';

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

/** Reads a bulk action's progress every 250 ms until it has completed, showing each read to `each`. */
export async function untilBulkCompleted(
  read: () => Promise<BulkProgress>,
  each: (progress: BulkProgress) => void = () => undefined,
): Promise<BulkProgress> {
  for (;;) {
    const progress = await read();
    each(progress);
    if (progress.status === 'completed') return progress;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `[#####---------------] 512/2000 done, 3 failed (running)`. */
export function bulkBar(progress: BulkProgress): string {
  const { matched, done, failed, status } = progress;
  const cells = matched === 0 ? 20 : Math.min(20, Math.round(((done + failed) / matched) * 20));
  return `[${'#'.repeat(cells)}${'-'.repeat(20 - cells)}] ${done}/${matched} done, ${failed} failed (${status})`;
}
