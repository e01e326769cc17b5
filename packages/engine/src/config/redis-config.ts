import { DagflowError, ErrorCode } from '@dagflow/flow';
import { redactUrl } from '../infra/redact-url.js';
import {
  type RedisConnectionSettings,
  type RedisTarget,
  type RedisTlsFiles,
  checkRedisUrl,
  compact,
  parseClusterNodes,
} from '../infra/redis-target.js';
import type { ClientSettings } from './client-settings.js';
import type { EnvReader } from './env.js';

/** The Redis options of {@link redisTargetOf}, as `ClientSettings` names them. */
export type RedisTargetOptions = Pick<
  ClientSettings,
  'redisUrl' | 'redisCluster' | 'redisUsername' | 'redisPassword' | 'redisTls'
>;

/**
 * Where the connections go, options over environment over default: the `redisCluster` option, else
 * the `redisUrl` option, else `REDIS_CLUSTER_NODES`, else `REDIS_URL`, else `redis://127.0.0.1:6379`;
 * with the credentials and TLS files of the options, else of `REDIS_USERNAME`, `REDIS_PASSWORD`,
 * `REDIS_TLS_CERT`, `REDIS_TLS_KEY`, `REDIS_TLS_CA`. Credentials in a URL or seed win over both.
 * @throws `INVALID_CONFIG` for an unusable URL, seed list or TLS setting, before any connection
 */
export function redisTargetOf(options: RedisTargetOptions, env: EnvReader): RedisTarget {
  const files = options.redisTls ?? tlsFilesFrom(env);
  checkTlsFiles(files);
  const settings: RedisConnectionSettings = compact({
    username: options.redisUsername ?? env.string('REDIS_USERNAME'),
    password: options.redisPassword ?? env.string('REDIS_PASSWORD'),
    tls: files,
  });
  if (options.redisCluster !== undefined) {
    if (options.redisCluster.nodes.length === 0) {
      throw new DagflowError(
        ErrorCode.INVALID_CONFIG,
        'Option redisCluster.nodes is empty; give at least one host:port seed of the cluster.',
      );
    }
    return withSettings({ cluster: options.redisCluster }, settings);
  }
  const seeds = options.redisUrl === undefined ? env.string('REDIS_CLUSTER_NODES') : undefined;
  if (seeds !== undefined) {
    const parsed = parseClusterNodes(seeds);
    const connection = compact({
      ...settings,
      ...parsed.credentials,
      tls: parsed.tls || settings.tls !== undefined ? (settings.tls ?? {}) : undefined,
    });
    return withSettings({ cluster: { nodes: parsed.nodes } }, connection);
  }
  const fromEnv = env.string('REDIS_URL');
  const [url, from] =
    options.redisUrl !== undefined
      ? [options.redisUrl, 'Option redisUrl']
      : fromEnv !== undefined
        ? [fromEnv, 'REDIS_URL']
        : ['redis://127.0.0.1:6379', 'The default Redis URL'];
  checkRedisUrl(url, from);
  if (settings.tls !== undefined && !url.startsWith('rediss://')) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `REDIS_TLS_CERT, REDIS_TLS_KEY or REDIS_TLS_CA (option redisTls) is set but ${from} '${redactUrl(url)}' is not a rediss:// URL; use rediss:// for TLS.`,
    );
  }
  return withSettings({ url }, settings);
}

function tlsFilesFrom(env: EnvReader): RedisTlsFiles | undefined {
  const files = compact({
    cert: env.string('REDIS_TLS_CERT'),
    key: env.string('REDIS_TLS_KEY'),
    ca: env.string('REDIS_TLS_CA'),
  });
  return Object.keys(files).length === 0 ? undefined : files;
}

function checkTlsFiles(files: RedisTlsFiles | undefined): void {
  if (files !== undefined && (files.cert === undefined) !== (files.key === undefined)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      'A Redis client certificate needs its key: set both REDIS_TLS_CERT and REDIS_TLS_KEY (option redisTls.cert and redisTls.key), or neither.',
    );
  }
}

function withSettings<T extends object>(
  target: T,
  connection: RedisConnectionSettings,
): T & { connection?: RedisConnectionSettings } {
  return Object.keys(connection).length === 0 ? target : { ...target, connection };
}
