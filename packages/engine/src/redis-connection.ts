import { DagflowError, ErrorCode } from '@dagflow/flow';
import { Cluster, type ClusterNode, type ClusterOptions, Redis } from 'ioredis';

/** A connection dagflow works through: one Redis server, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Redis Cluster to connect to (the `redisCluster` option). */
export interface RedisClusterConfig {
  /** Seed nodes: `host:port` strings or `{ host, port }`; ioredis finds the rest of the cluster. */
  readonly nodes: readonly (string | { readonly host: string; readonly port: number })[];
  /** ioredis `ClusterOptions`: `natMap`, `redisOptions` (password, TLS), `dnsLookup`, and so on. */
  readonly options?: ClusterOptions;
}

/** Where a service's connections go: a Redis URL, or a cluster (which then wins). */
export type RedisTarget =
  | { readonly url: string; readonly cluster?: undefined }
  | { readonly cluster: RedisClusterConfig; readonly url?: undefined };

/**
 * Cluster retries that outlast a failover (a replica takes over a few seconds after its master's
 * `cluster-node-timeout`): ioredis retries a command whose node is gone, or redirected while the other
 * nodes still name the dead master, this many times at these intervals (about 20 s) before it fails.
 */
const FAILOVER_RETRIES: ClusterOptions = {
  maxRedirections: 100,
  retryDelayOnFailover: 200,
  retryDelayOnMoved: 100,
  retryDelayOnClusterDown: 200,
  retryDelayOnTryAgain: 100,
};

/**
 * Opens a connection to `target` (lazily: the first command connects). Commands wait while it is
 * down instead of failing (BullMQ workers need that), on a cluster through redirections and failovers.
 * No auto-pipelining: it saves socket writes but holds every command to the next tick, and measured
 * slower on every bench shape (diamond 7,100 against 8,700 nodes/s, chain hops twice as long).
 */
export function connectRedis(target: RedisTarget): RedisClient {
  if (target.cluster === undefined) return new Redis(target.url, { maxRetriesPerRequest: null });
  const options = target.cluster.options ?? {};
  return new Cluster(target.cluster.nodes as ClusterNode[], {
    ...FAILOVER_RETRIES,
    ...options,
    redisOptions: { ...options.redisOptions, maxRetriesPerRequest: null },
  });
}

/** Whether a connection is to a Redis Cluster. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * The connection to each master a command like SCAN or INFO must be sent to: the cluster's masters,
 * or the one server.
 */
export function masterConnections(redis: RedisClient): readonly Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/**
 * Parses `REDIS_CLUSTER_NODES` (`host:port,host:port`, blanks ignored).
 * @throws `INVALID_CONFIG` naming the entry that is not `host:port`
 */
export function parseClusterNodes(text: string): { host: string; port: number }[] {
  const nodes = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const at = entry.lastIndexOf(':');
      const host = entry.slice(0, at).replace(/^\[(.*)\]$/, '$1');
      const port = Number(entry.slice(at + 1));
      if (at <= 0 || host === '' || !Number.isInteger(port) || port < 1 || port > 65_535) {
        throw new DagflowError(
          ErrorCode.INVALID_CONFIG,
          `REDIS_CLUSTER_NODES: '${entry}' is not host:port (give seeds as "host:port,host:port").`,
        );
      }
      return { host, port };
    });
  if (nodes.length === 0) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      'REDIS_CLUSTER_NODES is set but names no node; give seeds as "host:port,host:port" or unset it.',
    );
  }
  return nodes;
}

/**
 * Checks a Redis URL before any connection is tried.
 * @throws `INVALID_CONFIG` when it is not a `redis://`, `rediss://` or `unix:` URL
 */
export function checkRedisUrl(url: string, from: string): string {
  let scheme = '';
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = '';
  }
  if (!['redis:', 'rediss:', 'unix:'].includes(scheme) && !url.startsWith('/')) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `${from} '${url}' is not a Redis URL (redis://host:port); for Redis Cluster set REDIS_CLUSTER_NODES or the redisCluster option.`,
    );
  }
  return url;
}
