import type { Keys } from '../format/keys.js';
import { type RequestAnnouncement, parseRequestAnnouncement } from '../format/announcements.js';
import type { Subscriptions } from './subscriptions.js';

/** What {@link ResultWaiter.waitForEnd} waits for. */
export interface EndWait<T> {
  /** Reads how the request stands (throws when it does not exist). */
  readonly read: () => Promise<T>;
  /** Whether what `read` answered says the request ended. */
  readonly ended: (found: T) => boolean;
  /**
   * What the request's end announcement says, when it says enough (a completion that carries its
   * result): the wait then ends without a read. Undefined: read.
   */
  readonly fromAnnouncement?: (end: RequestAnnouncement) => T | undefined;
  readonly timeoutMs: number;
}

/** One request listened to, by the callers waiting for it and a create that expects a wait. */
interface Listening {
  users: number;
  readonly wakes: Set<() => void>;
  /** How many ends were announced while listened to; the last one. */
  ends: number;
  last: RequestAnnouncement | undefined;
  /** The subscription, resolved once it is live. */
  readonly ready: Promise<void>;
  /** The epoch under which the subscription went live, undefined before. */
  liveEpoch: number | undefined;
  /** Set when a create noted by {@link ResultWaiter.listen} made the request while this listened. */
  fresh: boolean;
  readonly listener: (message: string) => void;
}

/**
 * Wakes callers waiting for requests to end. A process listens to a request's own channel only while
 * someone here waits for it (sharded pub/sub in the request's hash slot, see `Subscriptions`): it
 * hears nothing of the requests it does not wait for. The scripts announce a request's end there,
 * with its result when it is small (see `format/announcements.ts`).
 */
export class ResultWaiter {
  readonly #listening = new Map<string, Listening>();

  constructor(
    private readonly subscriptions: Subscriptions,
    private readonly keys: Keys,
  ) {
    // Announcements made while the connection was down are lost: every wait reads again.
    subscriptions.onLost(() => {
      for (const listening of this.#listening.values()) for (const wake of listening.wakes) wake();
    });
  }

  /**
   * Listens to the request's channel before it is created, for a wait that follows (an execute whose
   * caller waits for its result): when the subscription is live before the create returns, the wait
   * begins without a read. Call the returned `created` once the create answered, and `release` when
   * done (after the wait).
   */
  listen(flow: string, requestId: string): { created(created: boolean): void; release(): void } {
    const key = `${flow}/${requestId}`;
    const listening = this.#acquire(flow, requestId);
    return {
      created: (created) => {
        // The subscription went live before the create answered, so before any of its jobs exists.
        listening.fresh =
          created &&
          listening.liveEpoch !== undefined &&
          listening.liveEpoch === this.subscriptions.epoch;
      },
      release: () => this.#release(key, flow, requestId),
    };
  }

  /**
   * Resolves with what `wait.read()` answers once `wait.ended` says the request ended: it reads once
   * subscribed (unless the request was created under a live subscription, see {@link listen}), again
   * when the request's end is announced (also when that came while a read was on its way: the reply
   * may have left Redis before the end and arrived after its announcement), and every second as a
   * safety net. An end announcement that carries what `wait.fromAnnouncement` needs ends the wait
   * without a read. Resolves undefined when `wait.timeoutMs` passes first.
   */
  async waitForEnd<T>(flow: string, requestId: string, wait: EndWait<T>): Promise<T | undefined> {
    const { read, ended, timeoutMs, fromAnnouncement } = wait;
    const key = `${flow}/${requestId}`;
    const listening = this.#acquire(flow, requestId);
    // Only an end announced after this wait began is this wait's: another caller's listening may
    // have heard an earlier end of the request (one before a rerun) and keep it.
    const endsBefore = listening.ends;
    const deadline = Date.now() + timeoutMs;
    let wake = (): void => undefined;
    try {
      const announced = (): T | undefined =>
        listening.last === undefined || listening.ends === endsBefore
          ? undefined
          : fromAnnouncement?.(listening.last);
      // Subscribed first (the subscribes of one tick are one command, and the reads that follow them
      // one call), then read, unless the request was created here under the live subscription.
      await listening.ready;
      const fresh = listening.fresh && listening.liveEpoch === this.subscriptions.epoch;
      let seen = listening.ends;
      // An end heard before this wait began (between the create's answer and this call) makes it
      // read at once: waiting for the next announcement would wait for the safety poll, a second.
      // It reads rather than take that end, which may be of an earlier run (see `endsBefore`).
      const unread = fresh && timeoutMs > 0 && seen === 0;
      let found = unread ? undefined : { value: announced() ?? (await read()) };
      while (found === undefined || !ended(found.value)) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        if (listening.ends === seen) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, 1_000));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
            listening.wakes.add(wake);
          });
          listening.wakes.delete(wake);
        }
        seen = listening.ends;
        found = { value: announced() ?? (await read()) };
      }
      return found.value;
    } finally {
      listening.wakes.delete(wake);
      this.#release(key, flow, requestId);
    }
  }

  #acquire(flow: string, requestId: string): Listening {
    const key = `${flow}/${requestId}`;
    const existing = this.#listening.get(key);
    if (existing !== undefined) {
      existing.users++;
      return existing;
    }
    const listener = (message: string): void => {
      const announcement = parseRequestAnnouncement(message);
      if (announcement === undefined || !announcement.ended) return;
      listening.ends++;
      listening.last = announcement;
      for (const wake of listening.wakes) wake();
    };
    const channel = this.keys.request(flow, requestId).live;
    const ready = this.subscriptions.add(channel, true, listener).then(() => {
      listening.liveEpoch = this.subscriptions.epoch;
    });
    const listening: Listening = {
      users: 1,
      wakes: new Set(),
      ends: 0,
      last: undefined,
      ready,
      liveEpoch: undefined,
      fresh: false,
      listener,
    };
    ready.catch(() => undefined); // a waiter awaits it and sees the error
    this.#listening.set(key, listening);
    return listening;
  }

  #release(key: string, flow: string, requestId: string): void {
    const listening = this.#listening.get(key);
    if (listening === undefined || --listening.users > 0) return;
    this.#listening.delete(key);
    this.subscriptions.remove(this.keys.request(flow, requestId).live, true, listening.listener);
  }
}
