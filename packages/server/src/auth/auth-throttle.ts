/** How many unknown tokens an address may send in a window before it is refused. */
export interface AuthFailureLimit {
  /**
   * Unknown tokens allowed per address and window.
   * @defaultValue 20
   */
  readonly max?: number;
  /**
   * The window, in ms: an address's count starts at its first failure and is forgotten after this.
   * @defaultValue 10,000
   */
  readonly windowMs?: number;
  /**
   * Most addresses remembered at once; beyond it the oldest windows are forgotten first.
   * @defaultValue 10,000
   */
  readonly maxAddresses?: number;
}

/**
 * Failed authentications per address in fixed windows, in a table of bounded size: an address that
 * failed `max` times is refused until its window ends. Successes are not counted.
 */
export class AuthThrottle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxAddresses: number;
  /** Address -> its window; Map order is the order windows started, oldest first. */
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(limit: AuthFailureLimit = {}) {
    this.#max = limit.max ?? 20;
    this.#windowMs = limit.windowMs ?? 10_000;
    this.#maxAddresses = limit.maxAddresses ?? 10_000;
  }

  /** Ms until `address` may try again, or 0 when it may now. */
  retryAfterMs(address: string, now = Date.now()): number {
    const window = this.#windows.get(address);
    if (window === undefined) return 0;
    const left = window.start + this.#windowMs - now;
    if (left <= 0) {
      this.#windows.delete(address);
      return 0;
    }
    return window.failures >= this.#max ? left : 0;
  }

  /** Counts a failed authentication of `address`. */
  fail(address: string, now = Date.now()): void {
    const window = this.#windows.get(address);
    if (window !== undefined && now - window.start < this.#windowMs) {
      window.failures += 1;
      return;
    }
    this.#windows.delete(address);
    this.#makeRoom(now);
    this.#windows.set(address, { start: now, failures: 1 });
  }

  /** How many addresses are remembered. */
  get size(): number {
    return this.#windows.size;
  }

  /** Drops ended windows from the oldest on, then the oldest live ones while the table is full. */
  #makeRoom(now: number): void {
    for (const [address, window] of this.#windows) {
      const ended = now - window.start >= this.#windowMs;
      if (!ended && this.#windows.size < this.#maxAddresses) return;
      this.#windows.delete(address);
    }
  }
}
