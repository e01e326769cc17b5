import type { FlowPlan } from '../plan/flow-plan.js';
import { type RedisClient, isCluster } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { type Partition, partitionsOf, placeRequest } from '../format/partitions.js';

/**
 * How many partitions each flow has: where new requests are placed, and which partitions workers must
 * serve (every count the flow was ever executed or served with, kept in `Keys.partitionCounts`).
 */
export class FlowPartitions {
  /** Counts recorded by this process (a count is recorded once per flow and process). */
  readonly #recorded = new Set<string>();
  #masters: Promise<number> | undefined;
  /** Counts of flows with no `partitions` option here. */
  readonly #unset = new Map<string, Promise<number>>();

  /** @param configured - the service's `partitions` option (or `DAGFLOW_PARTITIONS`), if set */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly configured: number | undefined,
  ) {}

  /**
   * The flow's partition count now: its own `partitions` option, else 1 for a flow with a flow-wide
   * `concurrency` number or `rateLimit`, else the service's option, else the count it was last used
   * with, else 1 on a single Redis and the number of masters on a cluster.
   */
  countOf(plan: FlowPlan): Promise<number> {
    const { partitions, concurrency, rateLimit } = plan.hooks;
    // A flow-wide concurrency or rate limit is BullMQ's, per queue: such a flow keeps one partition
    // unless it asks for more (its limits then hold per partition). A keyed rate limit is ours.
    const limited =
      typeof concurrency === 'number' || (rateLimit !== undefined && rateLimit.key === undefined);
    const own = partitions ?? (limited ? 1 : this.configured);
    if (own !== undefined) return Promise.resolve(own);
    // Looked up once per flow and process: a count changed since is still served, so stays right.
    let count = this.#unset.get(plan.name);
    if (count === undefined) {
      count = this.#lastOrDefault(plan.name);
      count.catch(() => this.#unset.delete(plan.name));
      this.#unset.set(plan.name, count);
    }
    return count;
  }

  async #lastOrDefault(flow: string): Promise<number> {
    const [last] = await this.redis.zrevrange(this.keys.partitionCounts(flow), 0, 0);
    return last === undefined ? this.defaultCount() : Number(last);
  }

  /** Places a new request: the partition its id falls in under the flow's count, which is recorded. */
  async place(plan: FlowPlan, requestId: string): Promise<Partition> {
    const count = await this.countOf(plan);
    await this.record(plan.name, count);
    return placeRequest(requestId, count);
  }

  /** Records that the flow is used with `count` partitions (the flow's own queue needs no record). */
  async record(flow: string, count: number): Promise<void> {
    if (count === 1 || this.#recorded.has(`${flow}\n${count}`)) return;
    await this.redis.zadd(this.keys.partitionCounts(flow), Date.now(), String(count));
    this.#recorded.add(`${flow}\n${count}`);
  }

  /**
   * Every partition a request of the flow may be in: those of each count recorded, and of `count`
   * (recorded first), the flow's own queue included.
   */
  async served(flow: string, count?: number): Promise<Partition[]> {
    if (count !== undefined) await this.record(flow, count);
    const counts = await this.redis.zrange(this.keys.partitionCounts(flow), 0, -1);
    return partitionsOf([...counts.map(Number), ...(count === undefined ? [] : [count])]);
  }

  /** 1 on a single Redis; on a cluster, its masters (so that each serves one partition). */
  defaultCount(): Promise<number> {
    this.#masters ??= isCluster(this.redis) ? mastersOf(this.redis) : Promise.resolve(1);
    return this.#masters;
  }
}

/** The masters serving slots, from CLUSTER SLOTS (works before the connection reports ready). */
async function mastersOf(redis: RedisClient): Promise<number> {
  const ranges = await redis.cluster('SLOTS');
  return Math.max(1, new Set(ranges.map(([, , master]) => master?.[2] ?? '')).size);
}
