import type { Redis } from 'ioredis';

/**
 * Wakes callers waiting for requests to finish. One subscriber connection per service listens on the
 * events channel, where the Lua scripts publish `flow/requestId` when a request ends.
 */
export class ResultWaiter {
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #listeners = new Set<(key: string, status: string) => void>();
  #subscriber: Redis | undefined;
  #subscribed: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
  ) {}

  /**
   * Resolves when `isFinished()` is true, checking once subscribed and again at each announcement
   * for this request (and every `pollMs` as a safety net); false when `timeoutMs` passes first.
   */
  async waitUntil(key: string, isFinished: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    await this.#subscribe();
    const deadline = Date.now() + timeoutMs;
    let wake: () => void = () => undefined;
    const listeners = this.#waiters.get(key) ?? new Set();
    this.#waiters.set(key, listeners);
    try {
      while (!(await isFinished())) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1_000));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          listeners.add(wake);
        });
        listeners.delete(wake);
      }
      return true;
    } finally {
      listeners.delete(wake);
      if (listeners.size === 0) this.#waiters.delete(key);
    }
  }

  /** Calls `listener(flow/requestId, status)` for every request that ends, from now on. */
  async onEnded(listener: (key: string, status: string) => void): Promise<void> {
    this.#listeners.add(listener);
    await this.#subscribe();
  }

  /** Closes the subscriber connection. */
  async close(): Promise<void> {
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    this.#subscribed = undefined;
    if (subscriber !== undefined) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  #subscribe(): Promise<void> {
    if (this.#subscribed === undefined) {
      const subscriber = this.redis.duplicate();
      subscriber.on('error', () => undefined); // reconnects by itself; waiters also poll
      subscriber.on('message', (_channel: string, message: string) => {
        const [key = '', status = ''] = message.split(' ');
        for (const wake of this.#waiters.get(key) ?? []) wake();
        for (const listener of this.#listeners) listener(key, status);
      });
      this.#subscriber = subscriber;
      this.#subscribed = subscriber.subscribe(this.channel).then(() => undefined);
    }
    return this.#subscribed;
  }
}
