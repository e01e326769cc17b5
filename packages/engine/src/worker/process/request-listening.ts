import { parseRequestAnnouncement } from '../../format/announcements.js';
import type { Keys } from '../../format/keys.js';
import type { Subscriptions } from '../../resources/subscriptions.js';

/** A job that runs this long listens to its request (a stop aborts its handlers, a pause holds it). */
export const LISTEN_AFTER_MS = 10;

/** The jobs of one request running here, and the subscription they share. */
interface Listened {
  jobs: number;
  timer: NodeJS.Timeout | undefined;
  subscribed: boolean;
}

/**
 * Listens to the channels of the requests whose jobs run in this process, and only while they run:
 * a worker hears nothing of requests it does not run. A job listens once it has run
 * {@link LISTEN_AFTER_MS} (most steps end sooner, and a stop or pause reaches their completion, which
 * is fenced, instead): a stopped request's running handlers are then aborted, and a chain or item
 * batch of a paused, stopped or failed one stops taking its next step.
 */
export class RequestListening {
  readonly #requests = new Map<string, Listened>();
  readonly #listeners = new Map<string, (message: string) => void>();

  constructor(
    private readonly subscriptions: Subscriptions,
    private readonly keys: Keys,
    /** Called with `flow/requestId` and the status of each change heard. */
    private readonly onChange: (requestKey: string, status: string) => void,
  ) {}

  /** Runs `work`, listening to the request from {@link LISTEN_AFTER_MS} on until it ends. */
  async during<T>(flow: string, requestId: string, work: () => Promise<T>): Promise<T> {
    const key = `${flow}/${requestId}`;
    let listened = this.#requests.get(key);
    if (listened === undefined) {
      listened = { jobs: 0, timer: undefined, subscribed: false };
      this.#requests.set(key, listened);
      const current = listened;
      current.timer = setTimeout(() => {
        current.timer = undefined;
        current.subscribed = true;
        this.#subscribe(flow, requestId);
      }, LISTEN_AFTER_MS);
    }
    listened.jobs++;
    try {
      return await work();
    } finally {
      if (--listened.jobs === 0) {
        this.#requests.delete(key);
        if (listened.timer !== undefined) clearTimeout(listened.timer);
        if (listened.subscribed) this.#unsubscribe(flow, requestId);
      }
    }
  }

  #subscribe(flow: string, requestId: string): void {
    const key = `${flow}/${requestId}`;
    const listener = (message: string): void => {
      const announced = parseRequestAnnouncement(message);
      if (announced !== undefined) this.onChange(key, announced.status);
    };
    this.#listeners.set(key, listener);
    // Not awaited: the job goes on; a change made before the subscription is live reaches its
    // completion (fenced) instead.
    this.subscriptions
      .add(this.keys.request(flow, requestId).live, true, listener)
      .catch(() => undefined);
  }

  #unsubscribe(flow: string, requestId: string): void {
    const key = `${flow}/${requestId}`;
    const listener = this.#listeners.get(key);
    if (listener === undefined) return;
    this.#listeners.delete(key);
    this.subscriptions.remove(this.keys.request(flow, requestId).live, true, listener);
  }
}
