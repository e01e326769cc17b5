import type { Redis } from 'ioredis';
import { type RedisClient, isCluster } from '../infra/redis-connection.js';
import { TickBatch } from '../store/tick-batch.js';

type Listener = (message: string) => void;

/**
 * Unsubscribes gather this long: waits end one announcement at a time, rarely two in one tick, so a
 * tick's batch held one channel (0.87 SUNSUBSCRIBE per request at 250 in flight); gathered over 20 ms
 * they go as one command per 20 ms. A channel stays subscribed that much longer, hearing nothing (its
 * request ended), and one listened to again meanwhile stays.
 */
const UNSUBSCRIBE_GATHER_MS = 20;

/**
 * Channels a process listens to, on two subscriber connections made on first use (ioredis loses track
 * of a connection that mixes the two kinds): a request's channel
 * (sharded pub/sub, `SSUBSCRIBE`, in the request's hash slot, so that on a Redis Cluster a message
 * stays on the shard that owns the request; plain `SUBSCRIBE` on a Redis older than 7.0, where the
 * scripts fall back to `PUBLISH` the same way) and a flow's channel (plain pub/sub). A channel is
 * subscribed while someone listens to it, so a process hears only the requests it waits for, watches
 * or runs.
 */
export class Subscriptions {
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Subscribes on their way, by channel: a second listener waits for the first one's. */
  readonly #subscribing = new Map<string, Promise<void>>();
  readonly #lostListeners = new Set<() => void>();
  /** The connections of sharded channels (requests') and of plain ones (flows', and requests' on a Redis before 7.0). */
  readonly #subscribers: { sharded?: RedisClient; plain?: RedisClient } = {};
  /** Whether this Redis has sharded pub/sub; undefined until the first sharded subscribe says. */
  #sharded: boolean | undefined;
  /** Counts the subscriber connection's closes; odd while it is down (announcements may be lost). */
  #epoch = 0;

  /**
   * The subscribes and unsubscribes of one tick go as one command per kind (on a Redis Cluster, one
   * per channel: a sharded command names channels of one slot).
   */
  readonly #subscribes = new TickBatch<string, void>(async (group, channels) => {
    await this.#send(group.startsWith('sharded') ? 'sharded' : 'plain', channels);
    return channels.map(() => undefined);
  });
  readonly #unsubscribes = new TickBatch<string, void>(
    async (group, channels) => {
      // A channel listened to again since its unsubscribe was asked stays.
      const unheard = channels.filter((channel) => !this.#listeners.has(channel));
      const kind = group.startsWith('sharded') ? 'sharded' : 'plain';
      const subscriber = this.#subscribers[kind];
      if (unheard.length > 0 && subscriber !== undefined)
        await (kind === 'sharded' ? sunsubscribe : unsubscribe)(subscriber, unheard);
      return channels.map(() => undefined);
    },
    500,
    UNSUBSCRIBE_GATHER_MS,
  );

  constructor(private readonly redis: RedisClient) {}

  /** Changes whenever the subscriber connection was down: announcements made meanwhile were lost. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Calls `listener` whenever the subscriber connection comes back after a loss. */
  onLost(listener: () => void): void {
    this.#lostListeners.add(listener);
  }

  /**
   * Calls `listener` for every message on a request's channel (sharded) or a flow's channel, from the
   * moment this resolves; {@link remove} stops it.
   */
  async add(channel: string, sharded: boolean, listener: Listener): Promise<void> {
    const listeners = this.#listeners.get(channel);
    if (listeners !== undefined) {
      listeners.add(listener);
      await this.#subscribing.get(channel);
      return;
    }
    this.#listeners.set(channel, new Set([listener]));
    const subscribed = this.#subscribe(channel, sharded).finally(() =>
      this.#subscribing.delete(channel),
    );
    this.#subscribing.set(channel, subscribed);
    await subscribed;
  }

  /** Stops `listener`; the channel is unsubscribed (not awaited) when it was the last one. */
  remove(channel: string, sharded: boolean, listener: Listener): void {
    const listeners = this.#listeners.get(channel);
    if (listeners === undefined || !listeners.delete(listener) || listeners.size > 0) return;
    this.#listeners.delete(channel);
    const kind = sharded && this.#sharded !== false ? 'sharded' : 'plain';
    this.#unsubscribes.add(this.#group(kind, channel), channel).catch(() => undefined);
  }

  /** Closes the subscriber connection; listeners hear nothing more. */
  async close(): Promise<void> {
    const subscribers = [this.#subscribers.sharded, this.#subscribers.plain];
    this.#subscribers.sharded = undefined;
    this.#subscribers.plain = undefined;
    this.#listeners.clear();
    await Promise.all(
      subscribers.map(async (subscriber) => {
        if (subscriber !== undefined) await subscriber.quit().catch(() => subscriber.disconnect());
      }),
    );
  }

  #subscribe(channel: string, sharded: boolean): Promise<void> {
    const kind = sharded && this.#sharded !== false ? 'sharded' : 'plain';
    return this.#subscribes.add(this.#group(kind, channel), channel);
  }

  #group(kind: 'sharded' | 'plain', channel: string): string {
    return isCluster(this.redis) ? `${kind}\n${channel}` : kind;
  }

  async #send(kind: 'sharded' | 'plain', channels: readonly string[]): Promise<void> {
    if (kind === 'plain') {
      await this.#connection('plain').subscribe(...channels);
      return;
    }
    try {
      await ssubscribe(this.#connection('sharded'), channels);
      this.#sharded = true;
    } catch (error) {
      // Redis before 7.0 has no sharded pub/sub; its scripts publish requests' channels with PUBLISH.
      if (this.#sharded === true || !/unknown command/i.test(String(error))) throw error;
      this.#sharded = false;
      await this.#connection('plain').subscribe(...channels);
    }
  }

  #connection(kind: 'sharded' | 'plain'): RedisClient {
    const existing = this.#subscribers[kind];
    if (existing !== undefined) return existing;
    // No ready check (an INFO): ioredis may send it on a connection still in subscriber mode while it
    // reconnects, and the error it gets then escapes as an unhandled rejection.
    const subscriber = isCluster(this.redis)
      ? this.redis.duplicate(undefined, {
          shardedSubscribers: kind === 'sharded',
          enableReadyCheck: false,
        })
      : this.redis.duplicate({ enableReadyCheck: false });
    subscriber.on('error', () => undefined); // reconnects and resubscribes by itself
    const deliver = (channel: string, message: string): void => {
      for (const listener of this.#listeners.get(channel) ?? []) listener(message);
    };
    subscriber.on(kind === 'sharded' ? 'smessage' : 'message', deliver);
    let lost = false;
    subscriber.on('close', () => {
      if (lost) return;
      lost = true;
      this.#epoch++;
    });
    subscriber.on('ready', () => {
      if (!lost || this.#subscribers[kind] !== subscriber) return;
      lost = false;
      this.#epoch++;
      for (const listener of this.#lostListeners) listener();
    });
    this.#subscribers[kind] = subscriber;
    return subscriber;
  }
}

/** Sharded subscribe on a single Redis or a Cluster (both ioredis clients have it). */
function ssubscribe(subscriber: RedisClient, channels: readonly string[]): Promise<unknown> {
  return (subscriber as Redis).ssubscribe(...channels);
}

function sunsubscribe(subscriber: RedisClient, channels: readonly string[]): Promise<unknown> {
  return (subscriber as Redis).sunsubscribe(...channels);
}

function unsubscribe(subscriber: RedisClient, channels: readonly string[]): Promise<unknown> {
  return subscriber.unsubscribe(...channels);
}
