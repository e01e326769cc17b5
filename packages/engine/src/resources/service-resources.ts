import type { ClientConfig } from '../config/client-config.js';
import type { Keys } from '../format/keys.js';
import type { Logger } from '../infra/logger.js';
import { type RedisClient, connectRedis } from '../infra/redis-connection.js';
import { FlowPartitions } from '../queue/flow-partitions.js';
import { NodeQueues } from '../queue/node-queues.js';
import { Registry } from '../registry/registry.js';
import { WorkerDirectory } from '../registry/worker-directory.js';
import { StepCapability } from '../registry/step-capability.js';
import { RequestIndex } from './request-index.js';
import { RequestWatch } from './request-watch.js';
import { ResultWaiter } from './result-waiter.js';
import { Subscriptions } from './subscriptions.js';
import { DebounceStore } from '../store/debounce-store.js';
import { KeySlots } from '../store/key-slots.js';
import { StepCache } from '../store/step-cache.js';
import { defineScripts } from '../store/scripts/scripts.js';
import { RequestWrites } from '../store/request-writes.js';
import { OutcomeReads } from '../store/reads/request-outcomes.js';
import { StepWrites } from '../store/step-writes.js';
import { NodeLogWriter } from '../store/node-logs.js';
import { WaitStore } from '../store/wait-store.js';
import { EventIndex } from '../store/event-index.js';

/** The Redis-backed parts of a service, each made on first use (a constructor does no I/O). */
export class ServiceResources {
  #redis: RedisClient | undefined;
  #store: RequestWrites | undefined;
  #steps: StepWrites | undefined;
  #waits: WaitStore | undefined;
  #events: EventIndex | undefined;
  #queues: NodeQueues | undefined;
  #index: RequestIndex | undefined;
  #waiter: ResultWaiter | undefined;
  #subscriptions: Subscriptions | undefined;
  #outcomes: OutcomeReads | undefined;
  #watch: RequestWatch | undefined;
  #registry: Registry | undefined;
  #directory: WorkerDirectory | undefined;
  #capability: StepCapability | undefined;
  #logs: NodeLogWriter | undefined;
  #debounce: DebounceStore | undefined;
  #slots: KeySlots | undefined;
  #stepCache: StepCache | undefined;
  #partitions: FlowPartitions | undefined;

  constructor(
    private readonly options: ClientConfig,
    readonly keys: Keys,
    private readonly log: Logger,
  ) {}

  /** The shared connection: state scripts, BullMQ queues and workers (which duplicate it to block). */
  get redis(): RedisClient {
    if (this.#redis === undefined) {
      this.#redis = connectRedis(this.options.redis);
      this.#redis.on('error', (error: Error) =>
        this.log.warn('redis connection error', { error: error.message }),
      );
      defineScripts(this.#redis);
    }
    return this.#redis;
  }

  /** Reads of request state, and the writes of request commands (the client side). */
  get store(): RequestWrites {
    this.#store ??= new RequestWrites(this.redis, this.keys, this.options.retention);
    return this.#store;
  }

  /** Reads of request state, and the writes of step attempts (the worker side). */
  get steps(): StepWrites {
    this.#steps ??= new StepWrites(this.redis, this.keys, this.options.retention);
    return this.#steps;
  }

  /** Parking of waiting steps, signals and parent links. */
  get waits(): WaitStore {
    this.#waits ??= new WaitStore(this.redis, this.keys);
    return this.#waits;
  }

  /** The index of steps that wait for events, by event name and match values. */
  get events(): EventIndex {
    this.#events ??= new EventIndex(this.redis, this.keys);
    return this.#events;
  }

  get queues(): NodeQueues {
    this.#queues ??= new NodeQueues(this.redis, this.keys, this.options.keepJobs);
    return this.#queues;
  }

  get index(): RequestIndex {
    this.#index ??= new RequestIndex(
      this.redis,
      this.keys,
      Math.min(this.options.retention.completedMs, this.options.retention.failedMs),
    );
    return this.#index;
  }

  /** The channels this process listens to, on one subscriber connection. */
  get subscriptions(): Subscriptions {
    this.#subscriptions ??= new Subscriptions(this.redis);
    return this.#subscriptions;
  }

  get waiter(): ResultWaiter {
    this.#waiter ??= new ResultWaiter(this.subscriptions, this.keys);
    return this.#waiter;
  }

  /** Reads of requests' outcomes for callers waiting for their results. */
  get outcomes(): OutcomeReads {
    this.#outcomes ??= new OutcomeReads(this.redis, this.keys);
    return this.#outcomes;
  }

  get watch(): RequestWatch {
    this.#watch ??= new RequestWatch(this.subscriptions, this.keys);
    return this.#watch;
  }

  /** Where handlers' `ctx.log` lines are kept; they live as long as the longest retention. */
  get logs(): NodeLogWriter {
    const { completedMs, failedMs } = this.options.retention;
    this.#logs ??= new NodeLogWriter(this.redis, this.keys, Math.max(completedMs, failedMs));
    return this.#logs;
  }

  /** Which live workers can run which steps of each flow (see `step-capability.ts`). */
  get capability(): StepCapability {
    this.#capability ??= new StepCapability(this.redis, this.keys);
    return this.#capability;
  }

  get directory(): WorkerDirectory {
    this.#directory ??= new WorkerDirectory(this.redis, this.keys);
    return this.#directory;
  }

  get debounce(): DebounceStore {
    this.#debounce ??= new DebounceStore(this.redis, this.keys);
    return this.#debounce;
  }

  get stepCache(): StepCache {
    this.#stepCache ??= new StepCache(this.redis, this.keys);
    return this.#stepCache;
  }

  get slots(): KeySlots {
    this.#slots ??= new KeySlots(this.redis, this.keys);
    return this.#slots;
  }

  /** Partition counts of flows: placement of new requests, partitions to serve. */
  get partitions(): FlowPartitions {
    this.#partitions ??= new FlowPartitions(this.redis, this.keys, this.options.partitions);
    return this.#partitions;
  }

  get registry(): Registry {
    this.#registry ??= new Registry(this.redis, this.keys, this.options.maxVersions);
    return this.#registry;
  }

  /** Closes queues, the subscriber and the connection, each within `drainMs`. */
  async close(drainMs: number): Promise<void> {
    await Promise.race([this.#queues?.close(), sleep(drainMs)]);
    await Promise.race([this.#logs?.flush(), sleep(drainMs)]);
    await this.#subscriptions?.close();
    await Promise.race([this.#redis?.quit(), sleep(drainMs)]).catch(() => undefined);
    this.#redis?.disconnect();
  }
}

/** Resolves after `ms` without keeping the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
