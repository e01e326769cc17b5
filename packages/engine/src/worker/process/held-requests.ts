/** Requests remembered at most; the oldest are forgotten first (they are past anyway). */
const CAPACITY = 10_000;

/**
 * The requests this process has heard are paused, stopped or failed (from the events channel), so that a
 * step handed its input can check them without a Redis round trip before it starts.
 */
export class HeldRequests {
  readonly #held = new Set<string>();
  /** How often each request was heard paused, stopped or failed (the most recent ones). */
  readonly #marks = new Map<string, number>();

  /** Applies a lifecycle announcement: `flow/requestId` and its new status. */
  update(requestKey: string, status: string): void {
    if (status === 'paused' || status === 'stopped' || status === 'failed') {
      this.#held.delete(requestKey);
      this.#held.add(requestKey);
      if (this.#held.size > CAPACITY) {
        const [oldest] = this.#held;
        if (oldest !== undefined) this.#held.delete(oldest);
      }
      const marks = (this.#marks.get(requestKey) ?? 0) + 1;
      this.#marks.delete(requestKey);
      this.#marks.set(requestKey, marks);
      if (this.#marks.size > CAPACITY) {
        const [oldest] = this.#marks.keys();
        if (oldest !== undefined) this.#marks.delete(oldest);
      }
    } else {
      this.#held.delete(requestKey);
    }
  }

  /** Whether the request was last heard paused, stopped or failed. */
  has(requestKey: string): boolean {
    return this.#held.has(requestKey);
  }

  /**
   * How often the request was heard paused, stopped or failed: a job that runs several steps compares
   * it with its value at the job's start, since a resume or rerun meanwhile leaves `has` false.
   */
  marks(requestKey: string): number {
    return this.#marks.get(requestKey) ?? 0;
  }
}
