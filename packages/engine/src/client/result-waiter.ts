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

/** The callers waiting for one request, and how many ends of it were announced while they wait. */
interface Waiting {
  callers: number;
  readonly wakes: Set<() => void>;
  ends: number;
}

/**
 * Wakes callers waiting for requests to finish. One subscriber connection per service listens on the
 * events channel, where the Lua scripts publish `flow/requestId` when a request ends.
 */
export class ResultWaiter {
  readonly #waiting = new Map<string, Waiting>();
  readonly #listeners = new Set<(key: string, status: string) => void>();
  #subscriber: RedisClient | undefined;
  #subscribed: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
  ) {}

  /**
   * Resolves with what `wait.read()` answers once `wait.ended` says the request ended: it reads once
   * subscribed, again when the request's end is announced (also when that came while a read was on
   * its way: the reply may have left Redis before the end and arrived after its announcement), and
   * every second as a safety net. Resolves undefined when `wait.timeoutMs` passes first.
   */
  async waitForEnd<T>(key: string, wait: EndWait<T>): Promise<T | undefined> {
    const { read, ended, timeoutMs } = wait;
    await this.#subscribe();
    const deadline = Date.now() + timeoutMs;
    let waiting = this.#waiting.get(key);
    if (waiting === undefined) {
      waiting = { callers: 0, wakes: new Set(), ends: 0 };
      this.#waiting.set(key, waiting);
    }
    waiting.callers++;
    const { wakes } = waiting;
    let wake = (): void => undefined;
    try {
      let seen = waiting.ends;
      let found = await read();
      while (!ended(found)) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        if (waiting.ends === seen) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, 1_000));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
            wakes.add(wake);
          });
          wakes.delete(wake);
        }
        seen = waiting.ends;
        found = await read();
      }
      return found;
    } finally {
      wakes.delete(wake);
      if (--waiting.callers === 0) this.#waiting.delete(key);
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
        // Only an end is worth a read (a request is announced pending, running, paused too).
        const waiting = ENDS.has(status) ? this.#waiting.get(key) : undefined;
        if (waiting !== undefined) {
          waiting.ends++;
          for (const wake of waiting.wakes) wake();
        }
        for (const listener of this.#listeners) listener(key, status);
      });
      this.#subscriber = subscriber;
      this.#subscribed = subscriber.subscribe(this.channel).then(() => undefined);
    }
    return this.#subscribed;
  }
}
