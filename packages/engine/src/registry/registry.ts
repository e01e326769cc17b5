import type { DagDescription } from '@dagflow/flow';
import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { capVersions } from './version-cap.js';
import { runScript } from '../store/scripts/scripts.js';
import { ReplyCode } from '../format/reply-codes.js';
import { type ConcurrencyDescription, describeConcurrency } from '../queue/concurrency-keys.js';
import { type FairnessDescription, describeFairness } from '../queue/fair-options.js';

function concurrencyField(plan: FlowPlan): {
  concurrency?: ConcurrencyDescription;
  fairness?: FairnessDescription;
} {
  const concurrency = describeConcurrency(plan);
  const fairness = describeFairness(plan);
  return {
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(fairness === undefined ? {} : { fairness }),
  };
}

/** A flow definition as workers publish it to Redis. */
export interface PublishedFlow {
  readonly name: string;
  readonly version: string;
  readonly description: DagDescription;
  readonly publishedAt: number;
  /** Who defined the flow: code (`register()`), or data (`registerDefinition()`, e.g. `POST /flows`). Absent before 0.2: code. */
  readonly origin?: FlowOrigin;
  /** The flow's concurrency option as data (a key function shows as `key: 'function'`); absent: none. */
  readonly concurrency?: ConcurrencyDescription;
  /** The flow's `fairness` option as data (its functions show as `'function'`); absent: none. Added with T3-8. */
  readonly fairness?: FairnessDescription;
  /** The `revision` it was registered with (see `FlowOptions.revision`); absent: none. Added with T3-1. */
  readonly revision?: number;
}

/** How a flow was defined: in code (`register()`) or as data (`registerDefinition()`). */
export type FlowOrigin = 'code' | 'definition';

/** How long a worker counts as live after its last heartbeat. */
export const WORKER_TTL_MS = 15_000;

/**
 * The flow registry in Redis: every registered flow's definition (description and version), and the
 * live workers of each flow queue (heartbeats), so that any process can list, describe and execute flows
 * whose handlers live elsewhere, and see which queues are served.
 */
export class Registry {
  /**
   * @param maxVersions - versions kept per flow (see {@link capVersions}); older ones are dropped on
   *   publish
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly maxVersions: number,
  ) {}

  /**
   * Publishes a flow's definition, then drops the oldest versions over `maxVersions` that no live
   * request runs on. It becomes the flow's current version only forward (see `lua/publishFlow.lua`):
   * a new definition, a higher `revision`, or `force` (a run-time change). Answers whether it is current.
   */
  async publish(plan: FlowPlan, origin: FlowOrigin, force = false): Promise<boolean> {
    const { revision } = plan.hooks;
    const published: PublishedFlow = {
      name: plan.name,
      version: plan.version,
      description: plan.description,
      publishedAt: Date.now(),
      origin,
      ...concurrencyField(plan),
      ...(revision === undefined ? {} : { revision }),
    };
    const [code, stored] = (await runScript(
      this.redis,
      'publishFlow',
      [this.keys.versions(plan.name), this.keys.currentVersion(plan.name)],
      [plan.version, JSON.stringify(published), revision ?? '', force ? '1' : '0'],
    )) as [number, string];
    const current = code === ReplyCode.OK;
    if (current) await this.redis.hset(this.keys.registry, plan.name, stored);
    await capVersions(this.redis, this.keys, plan.name, this.maxVersions);
    return current;
  }

  /** The flow's current version, as the last publish decided it, or undefined. */
  async currentVersion(name: string): Promise<string | undefined> {
    return (await this.current(name))?.version;
  }

  /** The flow's current version and the revision it was made current with (a rollback raises it). */
  async current(
    name: string,
  ): Promise<{ readonly version: string; readonly revision?: number } | undefined> {
    const [version, revision] = await this.redis.hmget(
      this.keys.currentVersion(name),
      'version',
      'revision',
    );
    if (version == null) return undefined;
    return revision == null ? { version } : { version, revision: Number(revision) };
  }

  /** Every published version of a flow (of the newest `maxVersions`, and those live requests run on). */
  async listVersions(name: string): Promise<PublishedFlow[]> {
    const all = await this.redis.hvals(this.keys.versions(name));
    return all
      .map((text) => JSON.parse(text) as PublishedFlow)
      .sort((a, b) => b.publishedAt - a.publishedAt);
  }

  /** One published version of a flow, or undefined. */
  async loadVersion(name: string, version: string): Promise<PublishedFlow | undefined> {
    const text = await this.redis.hget(this.keys.versions(name), version);
    return text === null ? undefined : (JSON.parse(text) as PublishedFlow);
  }

  /** A published flow, or undefined. */
  async load(name: string): Promise<PublishedFlow | undefined> {
    const text = await this.redis.hget(this.keys.registry, name);
    return text === null ? undefined : (JSON.parse(text) as PublishedFlow);
  }

  /** Every published flow, by name. */
  async list(): Promise<PublishedFlow[]> {
    const all = await this.redis.hgetall(this.keys.registry);
    return Object.values(all)
      .map((text) => JSON.parse(text) as PublishedFlow)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Announces that `workerId` serves these queues of the flow, for the next {@link WORKER_TTL_MS}. */
  async heartbeat(flow: string, queues: readonly string[], workerId: string): Promise<void> {
    const until = Date.now() + WORKER_TTL_MS;
    await this.redis.hset(
      this.keys.workers(flow),
      ...queues.flatMap((queue) => [`${queue}|${workerId}`, until]),
    );
  }

  /** Withdraws a worker (on close). */
  async withdraw(flow: string, queues: readonly string[], workerId: string): Promise<void> {
    await this.redis.hdel(
      this.keys.workers(flow),
      ...queues.map((queue) => `${queue}|${workerId}`),
    );
  }

  /** Live workers per queue of the flow (`''`: the flow's own queue); expired entries are dropped. */
  async liveWorkers(flow: string): Promise<Record<string, number>> {
    const entries = await this.redis.hgetall(this.keys.workers(flow));
    const now = Date.now();
    const live: Record<string, number> = {};
    const expired: string[] = [];
    for (const [field, until] of Object.entries(entries)) {
      if (Number(until) < now) {
        expired.push(field);
        continue;
      }
      const queue = field.slice(0, field.lastIndexOf('|'));
      live[queue] = (live[queue] ?? 0) + 1;
    }
    if (expired.length > 0) await this.redis.hdel(this.keys.workers(flow), ...expired);
    return live;
  }
}
