import { parseRequestAnnouncement } from '../../format/announcements.js';
import type { Keys } from '../../format/keys.js';
import type { Subscriptions } from '../../resources/subscriptions.js';

/** How long a request stays listened to after its last job here ended (its next job often follows). */
export const LINGER_MS = 1_000;
/** How often the requests whose jobs here all ended are looked over (one timer for all of them). */
const SWEEP_MS = LINGER_MS / 4;

/** The jobs of one request running here, and the subscription they share. */
interface Listened {
  jobs: number;
  /** Whether the subscription is live: from then on, no change of the request passes unheard. */
  live: boolean;
  /** When its last job here ended (ms), while it has none. */
  idleSince: number | undefined;
  readonly listener: (message: string) => void;
  readonly channel: string;
}

/**
 * Listens to the channels of the requests whose jobs run in this process, from each job's start (the
 * subscribes of one tick are one command) until {@link LINGER_MS} after the request's last job here
 * ended: a worker hears nothing of requests it does not run. What it hears: a stop aborts the
 * request's running handlers, and a pause, stop or failure holds the steps its jobs would take next
 * (a step handed its input begins without a read only while its request is listened to, see
 * `worker/step/handed-over.ts`).
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
  ) {}

  /** Whether the request's changes reach this process now (its subscription is live). */
  isLive(requestKey: string): boolean {
    return this.#requests.get(requestKey)?.live === true;
  }

  /** Runs `work`, listening to the request while it runs (and a while after). */
  async during<T>(flow: string, requestId: string, work: () => Promise<T>): Promise<T> {
    const key = `${flow}/${requestId}`;
    const channel = this.keys.request(flow, requestId).live;
    let listened = this.#requests.get(key);
    if (listened === undefined) {
      const listener = (message: string): void => {
        const announced = parseRequestAnnouncement(message);
        if (announced !== undefined) this.onChange(key, announced.status);
      };
      const fresh: Listened = { jobs: 0, live: false, idleSince: undefined, listener, channel };
      this.#requests.set(key, fresh);
      // Not awaited: the job goes on; until the subscription is live its steps begin through the guard.
      this.subscriptions.add(channel, true, listener).then(
        () => {
          fresh.live = this.#requests.get(key) === fresh;
        },
        () => undefined,
      );
      listened = fresh;
    }
    if (listened.idleSince !== undefined) {
      listened.idleSince = undefined;
      this.#idle--;
    }
    listened.jobs++;
    const current = listened;
    try {
      return await work();
    } finally {
      if (--current.jobs === 0) {
        current.idleSince = Date.now();
        if (this.#idle++ === 0 && this.#sweep === undefined) {
          this.#sweep = setInterval(() => this.#forgetIdle(), SWEEP_MS);
          this.#sweep.unref();
        }
      }
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
