import type { RedisClient } from '../redis-connection.js';

/**
 * Wakes callers waiting for requests to finish. One subscriber connection per service listens on the
 * events channel, where the Lua scripts publish `flow/requestId` when a request ends.
 */
export class ResultWaiter {
  readonly #waiters = new Map<string, Set<(status: string | undefined) => void>>();
  readonly #listeners = new Set<(key: string, status: string) => void>();
  #subscriber: RedisClient | undefined;
  #subscribed: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
  ) {}

  /**
   * Resolves with the request's final status: `readStatus()` answers it once subscribed (and every
   * second as a safety net), an announcement for this request answers it without a read. Resolves
   * undefined when `timeoutMs` passes first.
   */
  async waitForEnd(
    key: string,
    readStatus: () => Promise<string | undefined>,
    isEnd: (status: string | undefined) => boolean,
    timeoutMs: number,
  ): Promise<string | undefined> {
    await this.#subscribe();
    const deadline = Date.now() + timeoutMs;
    let wake: (status: string | undefined) => void = () => undefined;
    const listeners = this.#waiters.get(key) ?? new Set();
    this.#waiters.set(key, listeners);
    try {
      let status = await readStatus();
      while (!isEnd(status)) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        const announced = await new Promise<string | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), Math.min(left, 1_000));
          wake = (ended) => {
            clearTimeout(timer);
            resolve(ended);
          };
          listeners.add(wake);
        });
        listeners.delete(wake);
        status = isEnd(announced) ? announced : await readStatus();
      }
      return status;
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
        for (const wake of this.#waiters.get(key) ?? []) wake(status);
        for (const listener of this.#listeners) listener(key, status);
      });
      this.#subscriber = subscriber;
      this.#subscribed = subscriber.subscribe(this.channel).then(() => undefined);
    }
    return this.#subscribed;
  }
}
