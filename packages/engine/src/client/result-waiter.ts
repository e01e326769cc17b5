import type { RedisClient } from '../redis-connection.js';

/** The statuses a request ends in, as announced. */
const ENDS: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);

/** What {@link ResultWaiter.waitForEnd} waits for. */
export interface EndWait<T> {
  /** Reads how the request stands (throws when it does not exist). */
  readonly read: () => Promise<T>;
  /** Whether what `read` answered says the request ended. */
  readonly ended: (found: T) => boolean;
  readonly timeoutMs: number;
}

/**
 * Wakes callers waiting for requests to finish. One subscriber connection per service listens on the
 * events channel, where the Lua scripts publish `flow/requestId` when a request ends.
 */
export class ResultWaiter {
  readonly #waiters = new Map<string, Set<(status: string) => void>>();
  readonly #listeners = new Set<(key: string, status: string) => void>();
  #subscriber: RedisClient | undefined;
  #subscribed: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
  ) {}

  /**
   * Resolves with what `wait.read()` answers once `wait.ended` says the request ended: it reads once
   * subscribed, again when the request's end is announced, and every second as a safety net. Resolves
   * undefined when `wait.timeoutMs` passes first.
   */
  async waitForEnd<T>(key: string, wait: EndWait<T>): Promise<T | undefined> {
    const { read, ended, timeoutMs } = wait;
    await this.#subscribe();
    const deadline = Date.now() + timeoutMs;
    let wake: (status: string) => void = () => undefined;
    const listeners = this.#waiters.get(key) ?? new Set();
    this.#waiters.set(key, listeners);
    try {
      let found = await read();
      while (!ended(found)) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1_000));
          wake = (status) => {
            // Only an end is worth a read (a request is announced pending, running, paused too).
            if (!ENDS.has(status)) return;
            clearTimeout(timer);
            resolve();
          };
          listeners.add(wake);
        });
        listeners.delete(wake);
        found = await read();
      }
      return found;
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
