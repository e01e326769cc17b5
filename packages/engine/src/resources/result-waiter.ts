import type { RedisClient } from '../infra/redis-connection.js';

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

/** Requests created here that a wait may begin without reading, at most; the oldest go first. */
const FRESH_CAPACITY = 10_000;

/** A request this process is creating or created while subscribed (see {@link ResultWaiter.expectEnd}). */
interface Fresh {
  /** The subscription it was created under (a reconnect may have lost announcements). */
  readonly epoch: number;
  /** Whether its create answered that it was created now (not an existing request). */
  created: boolean;
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
  readonly #fresh = new Map<string, Fresh>();
  readonly #listeners = new Set<(key: string, status: string) => void>();
  #subscriber: RedisClient | undefined;
  #subscribed: Promise<void> | undefined;
  /** Counts the subscriber connection's closes; odd while it is not subscribed. */
  #epoch = 1;

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
  ) {}

  /**
   * Notes, before its create is sent, that the request `key` is being created here. When the
   * subscription is live, its end cannot pass unheard: once {@link created} confirms it is new, a wait
   * for it begins without reading, until its end is announced or the subscriber reconnects.
   * Answers whether it was noted.
   */
  expectEnd(key: string): boolean {
    if (this.#epoch % 2 === 1) return false;
    this.#fresh.delete(key);
    this.#fresh.set(key, { epoch: this.#epoch, created: false });
    if (this.#fresh.size > FRESH_CAPACITY) {
      const [oldest] = this.#fresh.keys();
      if (oldest !== undefined) this.#fresh.delete(oldest);
    }
    return true;
  }

  /** Says how the create of a request noted by {@link expectEnd} went: `created` now, or not (an existing one, or an error). */
  created(key: string, created: boolean): void {
    const fresh = this.#fresh.get(key);
    if (fresh === undefined) return;
    if (created) fresh.created = true;
    else this.#fresh.delete(key);
  }

  /**
   * Resolves with what `wait.read()` answers once `wait.ended` says the request ended: it reads once
   * subscribed (unless the request was created here under the live subscription and no end of it
   * was heard: see {@link expectEnd}), again when the request's end is announced (also when that came
   * while a read was on its way: the reply may have left Redis before the end and arrived after its
   * announcement), and every second as a safety net. Resolves undefined when `wait.timeoutMs` passes
   * first.
   */
  async waitForEnd<T>(key: string, wait: EndWait<T>): Promise<T | undefined> {
    const { read, ended, timeoutMs } = wait;
    await this.#subscribe();
    const deadline = Date.now() + timeoutMs;
    // Checked and registered in one synchronous step: an end handled from here on wakes this wait.
    const fresh = this.#fresh.get(key);
    this.#fresh.delete(key);
    const unread =
      fresh !== undefined && fresh.created && fresh.epoch === this.#epoch && timeoutMs > 0;
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
      let found = unread ? undefined : { value: await read() };
      while (found === undefined || !ended(found.value)) {
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
        found = { value: await read() };
      }
      return found.value;
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
    if (this.#epoch % 2 === 0) this.#epoch++;
    this.#fresh.clear();
    if (subscriber !== undefined) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  /** The subscription is confirmed (again). */
  readonly #live = (): void => {
    if (this.#epoch % 2 === 1) this.#epoch++;
  };

  #subscribe(): Promise<void> {
    if (this.#subscribed === undefined) {
      const subscriber = this.redis.duplicate();
      subscriber.on('error', () => undefined); // reconnects by itself; waiters also poll
      subscriber.on('message', (_channel: string, message: string) => {
        const [key = '', status = ''] = message.split(' ');
        // Only an end is worth a read (a request is announced pending, running, paused too).
        const end = ENDS.has(status);
        if (end) this.#fresh.delete(key);
        const waiting = end ? this.#waiting.get(key) : undefined;
        if (waiting !== undefined) {
          waiting.ends++;
          for (const wake of waiting.wakes) wake();
        }
        for (const listener of this.#listeners) listener(key, status);
      });
      // Announcements made while the connection is down are lost: requests created before then read.
      let lost = false;
      subscriber.on('close', () => {
        lost = true;
        if (this.#epoch % 2 === 0) this.#epoch++;
      });
      // ioredis subscribes again on reconnecting; the reply to one more SUBSCRIBE says it is back.
      subscriber.on('ready', () => {
        if (!lost || this.#subscriber !== subscriber) return;
        lost = false;
        subscriber.subscribe(this.channel).then(this.#live, () => undefined);
      });
      this.#subscriber = subscriber;
      this.#subscribed = subscriber.subscribe(this.channel).then(this.#live);
    }
    return this.#subscribed;
  }
}
