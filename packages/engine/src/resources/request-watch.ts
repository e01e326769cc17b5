import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';

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

type Listener = (message: string) => void;

/**
 * Live changes of requests from Redis pub/sub: the Lua scripts announce node changes on each request's
 * `live` channel and request changes on the events channel. One subscriber connection, made on first
 * use, serves every watch; a channel is subscribed while someone listens to it.
 */
export class RequestWatch {
  readonly #listeners = new Map<string, Set<Listener>>();
  #subscriber: RedisClient | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Calls `listener` for every change of one request, from the moment this resolves. */
  async watch(
    flow: string,
    requestId: string,
    listener: (change: RequestChange) => void,
  ): Promise<Unwatch> {
    const key = `${flow}/${requestId}`;
    const onNode: Listener = (message) => {
      const at = message.lastIndexOf(' ');
      listener({ node: message.slice(0, at), status: message.slice(at + 1) });
    };
    const onRequest: Listener = (message) => {
      const [announced, status = ''] = message.split(' ');
      if (announced === key) listener({ status });
    };
    const live = this.keys.request(flow, requestId).live;
    await Promise.all([this.#add(live, onNode), this.#add(this.keys.events, onRequest)]);
    return async () => {
      await Promise.all([this.#remove(live, onNode), this.#remove(this.keys.events, onRequest)]);
    };
  }

  /** Calls `listener` whenever a request of `flow` is created or changes status. */
  async watchFlow(flow: string, listener: (change: FlowChange) => void): Promise<Unwatch> {
    const onRequest: Listener = (message) => {
      const [announced = '', status = ''] = message.split(' ');
      const at = announced.lastIndexOf('/');
      if (announced.slice(0, at) === flow) listener({ requestId: announced.slice(at + 1), status });
    };
    await this.#add(this.keys.events, onRequest);
    return () => this.#remove(this.keys.events, onRequest);
  }

  /** Closes the subscriber connection; watches end. */
  async close(): Promise<void> {
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    this.#listeners.clear();
    if (subscriber !== undefined) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  async #add(channel: string, listener: Listener): Promise<void> {
    const listeners = this.#listeners.get(channel);
    if (listeners !== undefined) {
      listeners.add(listener);
      return;
    }
    this.#listeners.set(channel, new Set([listener]));
    await this.#connection().subscribe(channel);
  }

  async #remove(channel: string, listener: Listener): Promise<void> {
    const listeners = this.#listeners.get(channel);
    if (listeners === undefined || !listeners.delete(listener) || listeners.size > 0) return;
    this.#listeners.delete(channel);
    await this.#subscriber?.unsubscribe(channel).catch(() => undefined);
  }

  #connection(): RedisClient {
    if (this.#subscriber === undefined) {
      const subscriber = this.redis.duplicate();
      subscriber.on('error', () => undefined); // reconnects and resubscribes by itself
      subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.#listeners.get(channel) ?? []) listener(message);
      });
      this.#subscriber = subscriber;
    }
    return this.#subscriber;
  }
}
