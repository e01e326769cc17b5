import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { ClusterOptions } from 'ioredis';
import { redactUrl } from './redact-url.js';

/** Redis Cluster to connect to (the `redisCluster` option). */
export interface RedisClusterConfig {
  /** Seed nodes: `host:port` strings or `{ host, port }`; ioredis finds the rest of the cluster. */
  readonly nodes: readonly (string | { readonly host: string; readonly port: number })[];
  /**
   * ioredis `ClusterOptions`: `natMap`, `redisOptions`, `dnsLookup`, and so on. Its `redisOptions`
   * win over {@link RedisConnectionSettings}.
   */
  readonly options?: ClusterOptions;
}

/** PEM files of a TLS connection to Redis, read when the first connection opens. */
export interface RedisTlsFiles {
  /** The client certificate (mutual TLS); needs {@link key}. */
  readonly cert?: string;
  /** The client certificate's private key; needs {@link cert}. */
  readonly key?: string;
  /** The CA that signed the server's certificate, in place of the system's CAs. */
  readonly ca?: string;
}

/** Credentials and TLS applied to every connection: the one server, or every cluster node. */
export interface RedisConnectionSettings {
  readonly username?: string;
  readonly password?: string;
  /** TLS on, with these files (an empty object: TLS with the system's CAs, no client certificate). */
  readonly tls?: RedisTlsFiles;
}

/** Where a service's connections go: a Redis URL, or a cluster (which then wins); and how. */
export type RedisTarget = (
  | { readonly url: string; readonly cluster?: undefined }
  | { readonly cluster: RedisClusterConfig; readonly url?: undefined }
) & { readonly connection?: RedisConnectionSettings };

/** `value` without its undefined fields (so that `toEqual` and spreads see only what is set). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Seeds of `REDIS_CLUSTER_NODES`, and the credentials and TLS their URLs carry. */
interface ClusterSeeds {
  readonly nodes: { host: string; port: number }[];
  readonly credentials: { username?: string; password?: string };
  readonly tls: boolean;
}

/**
 * Parses `REDIS_CLUSTER_NODES`: `host:port` or `redis://user:password@host:port` (`rediss://` for TLS)
 * seeds, comma separated, blanks ignored. Seeds with credentials must all carry the same ones.
 * @throws `INVALID_CONFIG` naming the entry that is neither (its password redacted)
 */
export function parseClusterNodes(text: string): ClusterSeeds {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      'REDIS_CLUSTER_NODES is set but names no node; give seeds as "host:port,host:port" or unset it.',
    );
  }
  const seeds = entries.map(parseSeed);
  const withCredentials = seeds.filter((seed) => seed.credentials !== undefined);
  const keys = new Set(withCredentials.map((seed) => JSON.stringify(seed.credentials)));
  if (keys.size > 1) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      'REDIS_CLUSTER_NODES: the seeds carry different credentials; every node of a cluster takes the same user and password.',
    );
  }
  return {
    nodes: seeds.map(({ host, port }) => ({ host, port })),
    credentials: withCredentials[0]?.credentials ?? {},
    tls: seeds.some((seed) => seed.tls),
  };
}

function parseSeed(entry: string): {
  host: string;
  port: number;
  credentials: { username?: string; password?: string } | undefined;
  tls: boolean;
} {
  const invalid = new DagflowError(
    ErrorCode.INVALID_CONFIG,
    `REDIS_CLUSTER_NODES: '${redactUrl(entry)}' is neither host:port nor redis://[user:password@]host:port (give seeds as "host:port,host:port").`,
  );
  const scheme = /^(rediss?):\/\//i.exec(entry)?.[1]?.toLowerCase();
  let hostPort = entry;
  let credentials: { username?: string; password?: string } | undefined;
  if (scheme !== undefined) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw invalid;
    }
    if (url.pathname !== '' && url.pathname !== '/') throw invalid;
    hostPort = url.host;
    if (url.username !== '' || url.password !== '') {
      credentials = compact({
        username: url.username === '' ? undefined : decodeURIComponent(url.username),
        password: url.password === '' ? undefined : decodeURIComponent(url.password),
      });
    }
  }
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(hostPort.slice(at + 1));
  if (at <= 0 || host === '' || !Number.isInteger(port) || port < 1 || port > 65_535) throw invalid;
  return { host, port, credentials, tls: scheme === 'rediss' };
}

/**
 * Checks a Redis URL before any connection is tried.
 * @throws `INVALID_CONFIG` when it is not a `redis://`, `rediss://` or `unix:` URL (its password
 *   redacted in the message)
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
      `${from} '${redactUrl(url)}' is not a Redis URL (redis://host:port); for Redis Cluster set REDIS_CLUSTER_NODES or the redisCluster option.`,
    );
  }
  return url;
}
