/**
 * The Redis the bench runs against, and the one place where the driver and the worker processes get
 * their connections. Today a single redis-server (`BENCH_REDIS_URL`, else a private one the driver
 * starts), or, for the dagflow diamond of `BENCH_CLUSTER=1`, a Redis Cluster (the engine's
 * `redisCluster: { nodes }`; see `cluster-bench.ts`).
 */
import type { FlowServiceOptions } from '@dagflow/engine';
import { Redis } from 'ioredis';

/** Where the bench's Redis is: what the driver hands to each worker process in its start message. */
export interface BenchTarget {
  /** `redis://host:port` of the standalone server (or of one cluster node, for stats). */
  readonly url: string;
  /** Seeds (`host:port`) of a Redis Cluster: the engine then connects to the cluster (`BENCH_CLUSTER`). */
  readonly clusterNodes?: readonly string[];
}

/** A new connection for BullMQ queues, workers and flow producers (blocking-safe settings). */
export function bullmqConnection(target: BenchTarget): Redis {
  return new Redis(target.url, { maxRetriesPerRequest: null });
}

/** The connection part of a FlowService's or FlowClient's options. */
export function engineConnection(
  target: BenchTarget,
): Pick<FlowServiceOptions, 'redisUrl' | 'redisCluster'> {
  return target.clusterNodes === undefined
    ? { redisUrl: target.url }
    : { redisCluster: { nodes: [...target.clusterNodes] } };
}

/**
 * A BullMQ key prefix for one shape and round: hash-tagged, so that all of a shape's keys (its queue
 * and the hand-written diamond's join counters) share one Cluster slot.
 */
export function bullmqPrefix(name: string): string {
  return `{${name}}`;
}

/** Deletes every key that starts with `prefix` (SCAN + UNLINK), between rounds and outside timings. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
