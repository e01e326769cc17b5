import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisConnectionSettings, RedisTarget, RedisTlsFiles } from './redis-target.js';

/** A connection dagflow works through: one Redis server, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

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
  const settings = connectionOptions(target.connection);
  if (target.cluster === undefined) {
    return new Redis(target.url, { ...settings, maxRetriesPerRequest: null });
  }
  const options = target.cluster.options ?? {};
  return new Cluster(target.cluster.nodes as ClusterNode[], {
    ...FAILOVER_RETRIES,
    ...options,
    redisOptions: { ...settings, ...options.redisOptions, maxRetriesPerRequest: null },
  });
}

/**
 * The ioredis options of the credentials and TLS settings, the TLS files read now. (With a URL, its
 * own credentials win: ioredis prefers the URL's.)
 * @throws `INVALID_CONFIG` naming a TLS file that cannot be read
 */
export function connectionOptions(settings: RedisConnectionSettings = {}): RedisOptions {
  const { tls, ...credentials } = settings;
  return tls === undefined ? credentials : { ...credentials, tls: readTlsFiles(tls) };
}

function readTlsFiles(files: RedisTlsFiles): ConnectionOptions {
  const read = (path: string | undefined, name: string): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new DagflowError(
        ErrorCode.INVALID_CONFIG,
        `Cannot read the Redis TLS ${name} file '${path}' (REDIS_TLS_${name.toUpperCase()}): ${(error as Error).message}.`,
        { cause: error },
      );
    }
  };
  const entries = {
    cert: read(files.cert, 'cert'),
    key: read(files.key, 'key'),
    ca: read(files.ca, 'ca'),
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/**
 * Checks, before any BullMQ queue or worker uses the connection, that its user may run `INFO` (on every
 * master of a cluster). BullMQ reads the server version with it; a connection whose `INFO` is refused
 * never becomes ready for BullMQ, and each worker's fetch loop then fails at once and retries without
 * pause, spinning the event loop and growing memory without bound (T3-2).
 * @throws `INVALID_CONFIG` naming the missing permission (`+info`) when the user lacks it
 */
export async function assertRedisAccess(redis: RedisClient): Promise<void> {
  for (const connection of masterConnections(redis)) {
    try {
      await connection.info('server');
    } catch (error) {
      const message = (error as Error).message;
      if (!message.startsWith('NOPERM')) throw error;
      throw new DagflowError(
        ErrorCode.INVALID_CONFIG,
        `The Redis user may not run INFO (${message}). BullMQ reads the server version with it, so no worker or queue can start: grant it with \`ACL SETUSER <user> +info\` (docs/security.md lists the ACL a dagflow user needs).`,
        { cause: error },
      );
    }
  }
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
