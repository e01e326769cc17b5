import type { Keys } from '../format/keys.js';
import {
  parseFlowAnnouncement,
  parseRequestAnnouncement,
  parseStepAnnouncement,
} from '../format/announcements.js';
import type { Subscriptions } from './subscriptions.js';

/** A change of a watched request: a node's new status, or (without `node`) the request's. */
export interface RequestChange {
  /** The node path whose status changed; absent for a change of the request's status. */
  readonly node?: string;
  /** The new status: a node status (`running`, `retrying`, `failed`, `completed`) or a request status. */
  readonly status: string;
}

/** A request of a watched flow that was created or changed status. */
export interface FlowChange {
  readonly requestId: string;
  /** `pending` when created; then `running` (resumed), `paused`, `stopped`, `failed`, `completed`. */
  readonly status: string;
}

/** Stops a watch; resolves once unsubscribed. */
export type Unwatch = () => Promise<void>;

/**
 * Live changes of requests from Redis pub/sub: the Lua scripts announce a request's own changes on
 * its channel and its steps' on its steps channel (both sharded, in its slot), and a flow's requests on the flow's channel (see
 * `format/announcements.ts`). A channel is subscribed while someone here listens to it.
 */
export class RequestWatch {
  constructor(
    private readonly subscriptions: Subscriptions,
    private readonly keys: Keys,
  ) {}

  /** Calls `listener` for every change of one request, from the moment this resolves. */
  async watch(
    flow: string,
    requestId: string,
    listener: (change: RequestChange) => void,
  ): Promise<Unwatch> {
    const onMessage = (message: string): void => {
      const request = parseRequestAnnouncement(message);
      listener(request === undefined ? parseStepAnnouncement(message) : { status: request.status });
    };
    const { live, steps } = this.keys.request(flow, requestId);
    await Promise.all([
      this.subscriptions.add(live, true, onMessage),
      this.subscriptions.add(steps, true, onMessage),
    ]);
    return () => {
      this.subscriptions.remove(live, true, onMessage);
      this.subscriptions.remove(steps, true, onMessage);
      return Promise.resolve();
    };
  }

  /** Calls `listener` whenever a request of `flow` is created or changes status. */
  async watchFlow(flow: string, listener: (change: FlowChange) => void): Promise<Unwatch> {
    const onMessage = (message: string): void => listener(parseFlowAnnouncement(message));
    const channel = this.keys.flowEvents(flow);
    await this.subscriptions.add(channel, false, onMessage);
    return () => {
      this.subscriptions.remove(channel, false, onMessage);
      return Promise.resolve();
    };
  }
}
