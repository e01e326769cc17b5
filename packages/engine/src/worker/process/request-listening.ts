import { parseRequestAnnouncement } from '../../format/announcements.js';
import type { Keys } from '../../format/keys.js';
import type { Subscriptions } from '../../resources/subscriptions.js';

/** How long a request stays listened to after its last job here ended (its next job often follows). */
export const LINGER_MS = 1_000;
/**
 * How long a job runs before this process listens to its request (a job of a for-each batch: at once).
 * Most steps end sooner, and then cost no subscription at all.
 */
export const LISTEN_AFTER_MS = 20;
/** How often the requests whose jobs here all ended are looked over (one timer for all of them). */
const SWEEP_MS = LINGER_MS / 4;

/** The jobs of one request running here, and the subscription they share. */
interface Listened {
  jobs: number;
  /** Whether the subscription was asked for (at once, or {@link LISTEN_AFTER_MS} into a job). */
  subscribed: boolean;
  /** Until then: the timer that asks for it. */
  timer: NodeJS.Timeout | undefined;
  /**
   * Whether the subscription is live and the request's status was read after it: from then on, no
   * change of the request passes unheard.
   */
  live: boolean;
  /** When its last job here ended (ms), while it has none. */
  idleSince: number | undefined;
  readonly listener: (message: string) => void;
  readonly channel: string;
}

/**
 * Listens to the channels of the requests whose jobs run long in this process: from
 * {@link LISTEN_AFTER_MS} into a job (at once for a job of for-each items; the subscribes of one tick
 * are one command) until {@link LINGER_MS} after the request's last job here ended. A worker hears
 * nothing of requests it does not run, and nothing of those whose steps end quickly. What it hears: a
 * stop aborts the request's running handlers, and a pause, stop or failure holds the steps its jobs
 * would take next (a step of a job of its own handed its input begins without a read only while its
 * request is listened to: an implied begin, see `format/implied-begin.ts`). Once subscribed it reads the request's
 * status, so a change made before the subscription was live is not missed.
 */
export class RequestListening {
  readonly #requests = new Map<string, Listened>();
  /** Looks over the idle requests while there are any (not a timer per request: that costs every job). */
  #sweep: NodeJS.Timeout | undefined;
  #idle = 0;

  constructor(
    private readonly subscriptions: Subscriptions,
    private readonly keys: Keys,
    /** Called with `flow/requestId` and the status of each change heard. */
    private readonly onChange: (requestKey: string, status: string) => void,
    /** Reads a request's status (undefined when it is gone). */
    private readonly readStatus: (flow: string, requestId: string) => Promise<string | undefined>,
  ) {}

  /** Whether the request's changes reach this process now (its subscription is live). */
  isLive(requestKey: string): boolean {
    return this.#requests.get(requestKey)?.live === true;
  }

  /**
   * Runs `work`, listening to the request from {@link LISTEN_AFTER_MS} into it (from the start when
   * `now`) until a while after it.
   */
  async during<T>(
    flow: string,
    requestId: string,
    work: () => Promise<T>,
    now = false,
  ): Promise<T> {
    const key = `${flow}/${requestId}`;
    let listened = this.#requests.get(key);
    if (listened === undefined) {
      const listener = (message: string): void => {
        const announced = parseRequestAnnouncement(message);
        if (announced !== undefined) this.onChange(key, announced.status);
      };
      const channel = this.keys.request(flow, requestId).live;
      listened = {
        jobs: 0,
        subscribed: false,
        timer: undefined,
        live: false,
        idleSince: undefined,
        listener,
        channel,
      };
      this.#requests.set(key, listened);
    }
    const current = listened;
    if (!current.subscribed) {
      if (now) this.#subscribe(flow, requestId, current);
      else
        current.timer ??= setTimeout(
          () => this.#subscribe(flow, requestId, current),
          LISTEN_AFTER_MS,
        ).unref();
    }
    if (current.idleSince !== undefined) {
      current.idleSince = undefined;
      this.#idle--;
    }
    current.jobs++;
    try {
      return await work();
    } finally {
      if (--current.jobs === 0) this.#ended(key, current);
    }
  }

  /** Subscribes to the request's channel; live once subscribed and its status read. */
  #subscribe(flow: string, requestId: string, listened: Listened): void {
    const key = `${flow}/${requestId}`;
    listened.timer = undefined;
    listened.subscribed = true;
    // Not awaited: the job goes on; until the subscription is live its steps begin through the guard.
    this.subscriptions
      .add(listened.channel, true, listened.listener)
      .then(
        async () => {
          if (this.#requests.get(key) !== listened) return;
          const status = await this.readStatus(flow, requestId);
          if (status !== undefined && status !== 'running') this.onChange(key, status);
          listened.live = this.#requests.get(key) === listened;
        },
        () => undefined,
      )
      // A failed status read leaves it not live: its steps go on through the guard.
      .catch(() => undefined);
  }

  /** The request's last job here ended: forgotten at once if never subscribed, else after lingering. */
  #ended(key: string, listened: Listened): void {
    if (!listened.subscribed) {
      clearTimeout(listened.timer);
      this.#requests.delete(key);
      return;
    }
    listened.idleSince = Date.now();
    if (this.#idle++ === 0 && this.#sweep === undefined) {
      this.#sweep = setInterval(() => this.#forgetIdle(), SWEEP_MS);
      this.#sweep.unref();
    }
  }

  /** Stops listening to the requests idle here for {@link LINGER_MS} or more. */
  #forgetIdle(): void {
    const before = Date.now() - LINGER_MS;
    for (const [key, listened] of this.#requests) {
      if (listened.idleSince === undefined || listened.idleSince > before) continue;
      this.#requests.delete(key);
      this.#idle--;
      this.subscriptions.remove(listened.channel, true, listened.listener);
    }
    if (this.#idle === 0 && this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }
}
