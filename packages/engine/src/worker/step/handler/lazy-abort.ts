/**
 * An `AbortController` made on first use of its signal: most handlers never look at `ctx.signal`, and a
 * controller per attempt is a cost on the hot path. Aborting before the signal exists makes it born
 * aborted, with the same reason.
 */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted: { readonly reason: unknown } | undefined;

  /** The signal, aborted once {@link abort} was called. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted !== undefined) this.#controller.abort(this.#aborted.reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the signal (now, or when it is first read); later calls change nothing. */
  abort(reason: unknown): void {
    if (this.#aborted !== undefined) return;
    this.#aborted = { reason };
    this.#controller?.abort(reason);
  }
}
