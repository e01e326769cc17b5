interface Waiting<O> {
  readonly resolve: (result: O) => void;
  readonly reject: (error: unknown) => void;
}

interface Batch<I, O> {
  readonly items: I[];
  readonly waiting: Waiting<O>[];
}

/**
 * Gathers the calls made in one tick (the executes of a `Promise.all`, the waits they start) into one
 * call of `send` per group: one command and one round trip instead of one each. `send` answers one
 * result per item, in item order. A group holds at most `max` items; a full one goes at once.
 */
export class TickBatch<I, O> {
  readonly #pending = new Map<string, Batch<I, O>>();
  #scheduled = false;

  constructor(
    private readonly send: (group: string, items: readonly I[]) => Promise<readonly O[]>,
    private readonly max = 500,
    /** Gather for this many ms instead of one tick (calls that come a little apart, such as job ends). */
    private readonly delayMs = 0,
  ) {}

  /** Adds `item` to this tick's batch of `group`; answers its result. */
  add(group: string, item: I): Promise<O> {
    let batch = this.#pending.get(group);
    if (batch === undefined) {
      batch = { items: [], waiting: [] };
      this.#pending.set(group, batch);
    }
    const { items, waiting } = batch;
    const result = new Promise<O>((resolve, reject) => waiting.push({ resolve, reject }));
    items.push(item);
    if (items.length >= this.max) {
      this.#pending.delete(group);
      this.#send(group, batch);
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      // After the microtasks of this tick: the calls begun together have all joined by then.
      if (this.delayMs === 0) process.nextTick(() => this.#flush());
      else setTimeout(() => this.#flush(), this.delayMs);
    }
    return result;
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#pending];
    this.#pending.clear();
    for (const [group, batch] of batches) this.#send(group, batch);
  }

  #send(group: string, { items, waiting }: Batch<I, O>): void {
    // A send that throws rejects like one that fails.
    new Promise<readonly O[]>((resolve) => resolve(this.send(group, items))).then(
      (results) => {
        waiting.forEach(({ resolve }, i) => resolve(results[i] as O));
      },
      (error: unknown) => {
        for (const { reject } of waiting) reject(error);
      },
    );
  }
}
