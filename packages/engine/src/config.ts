import { DagflowError, ErrorCode } from '@dagflow/flow';
import { HttpAllowList } from './worker/http-guard.js';
import type { FlowApi } from './flow-api.js';
import {
  type RedisClusterConfig,
  type RedisTarget,
  type RedisTlsFiles,
  resolveRedisTarget,
} from './redis-target.js';
import type { LogLevel, PinoLike } from './logger.js';
import type { Retention } from './store/state-results.js';

/** An HTTP front end the service can start; `@dagflow/server` provides one (`httpApi()`). */
export interface HttpFrontend {
  /** Starts listening; the handle closes the server. */
  listen(
    service: FlowApi,
    options: { port: number; host: string | undefined },
  ): Promise<HttpHandle>;
}

/** A listening HTTP server. */
export interface HttpHandle {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

/** Options of {@link FlowService}; each falls back to an environment variable, then to a default. */
export interface FlowServiceOptions {
  /**
   * Redis to use.
   * @defaultValue `REDIS_URL`, else `redis://127.0.0.1:6379`
   */
  readonly redisUrl?: string;
  /**
   * Redis Cluster to use instead of {@link redisUrl}: every connection the service makes (queues,
   * workers, state, pub/sub, registry) becomes an ioredis `Cluster`. When set (here or in the
   * environment) it wins over `redisUrl` and `REDIS_URL`. See docs/scaling.md.
   * @defaultValue `REDIS_CLUSTER_NODES` (`host:port,...` or `redis://user:password@host:port,...`
   *   seeds; `rediss://` turns TLS on), else none
   */
  readonly redisCluster?: RedisClusterConfig;
  /**
   * Redis ACL user of every connection (the one server, every cluster node); a user in the URL or in
   * the `REDIS_CLUSTER_NODES` seeds wins. See docs/security.md for the ACL it needs.
   * @defaultValue `REDIS_USERNAME`, else the URL's, else none (`default`)
   */
  readonly redisUsername?: string;
  /**
   * Redis password of every connection (the one server, every cluster node); a password in the URL
   * or in the seeds wins. Keeps the secret out of URLs, which end up in logs.
   * @defaultValue `REDIS_PASSWORD`, else the URL's, else none
   */
  readonly redisPassword?: string;
  /**
   * PEM files (paths) for TLS to Redis, read when the first connection opens: `cert` and `key` for
   * mutual TLS (a client certificate), `ca` for a private CA. Applies to `rediss://` URLs (a
   * `redis://` URL with TLS files is refused) and to every cluster node (turning TLS on).
   * @defaultValue `REDIS_TLS_CERT`, `REDIS_TLS_KEY`, `REDIS_TLS_CA`, else none
   */
  readonly redisTls?: RedisTlsFiles;
  /**
   * Partitions of every flow this service registers (a flow's own `partitions` option wins): each
   * partition is one BullMQ queue with its own hash tag, so a flow's work spreads over the masters of a
   * Redis Cluster. Requests stay in the partition they were placed in; workers serve every partition
   * ever configured for a flow. See docs/scaling.md.
   * @defaultValue `DAGFLOW_PARTITIONS`, else 1 on a single Redis and the number of masters on a cluster
   */
  readonly partitions?: number;
  /**
   * Prefix of every Redis key and queue; services sharing a prefix share flows and requests.
   * @defaultValue `DAGFLOW_PREFIX`, else `dagflow`
   */
  readonly prefix?: string;
  /**
   * HTTP port of `start()` and `startServer()`; 0 picks a free one.
   * @defaultValue `PORT`, else 8080
   */
  readonly port?: number;
  /**
   * HTTP host to bind.
   * @defaultValue `HOST`, else the front end's choice (`httpApi()`: `0.0.0.0` with tokens configured,
   *   `127.0.0.1` without)
   */
  readonly host?: string;
  /**
   * Nodes one worker process runs at once, per flow.
   * @defaultValue `WORKER_CONCURRENCY`, else 10
   */
  readonly workerConcurrency?: number;
  /** The HTTP API to serve: `httpApi()` from `@dagflow/server`. Needed by `start()` and `startServer()`. */
  readonly http?: HttpFrontend;
  /**
   * How long finished requests stay readable, and paused ones are kept before they expire.
   * @defaultValue completed 24 h, failed and stopped 7 days, paused 30 days
   */
  readonly retention?: Partial<Retention>;
  /**
   * How long a worker's lock on a running node lasts before another worker may take the node over
   * (it is renewed every half of it while the node runs). A node whose worker died runs again after at
   * most about this plus {@link stalledIntervalMs}; a handler that blocks the event loop longer than
   * this loses its node to another worker (its late result is dropped). See docs/reliability.md.
   * @defaultValue `DAGFLOW_LOCK_DURATION_MS`, else 8 000 ms
   */
  readonly lockDurationMs?: number;
  /**
   * How often workers look for nodes whose worker died (one Lua script per worker and queue each time).
   * @defaultValue `DAGFLOW_STALLED_INTERVAL_MS`, else 4 000 ms
   */
  readonly stalledIntervalMs?: number;
  /**
   * How long `close()` lets running nodes finish before it closes workers hard.
   * @defaultValue 30 000 ms
   */
  readonly closeTimeoutMs?: number;
  /**
   * How long a node that no live worker can run (its request started on an older flow version whose
   * code for it is gone) waits, with reason `STEP_UNAVAILABLE`, before it fails with that code.
   * @defaultValue `DAGFLOW_STEP_UNAVAILABLE_TIMEOUT_MS`, else none: it waits until a process that has
   *   the node starts, or the request is migrated
   */
  readonly stepUnavailableTimeoutMs?: number;
  /**
   * Largest encoded output (bytes) a node may store; a larger one fails the node with `PAYLOAD_TOO_LARGE`.
   * @defaultValue `MAX_OUTPUT_BYTES`, else 1 MiB
   */
  readonly maxOutputBytes?: number;
  /**
   * Hosts (exact names), IP addresses and CIDR ranges the built-in `http` operation may reach although
   * they are loopback, private, link-local or reserved; every other such target is refused with
   * `HTTP_TARGET_FORBIDDEN`. A listed host name is trusted as it resolves.
   * @defaultValue `DAGFLOW_HTTP_ALLOW` (comma separated), else none
   */
  readonly httpAllow?: readonly string[];
  /**
   * Most items one for-each may fan out to; a for-each function returning more fails its node with
   * `TOO_MANY_ITEMS`.
   * @defaultValue `DAGFLOW_MAX_FOREACH_ITEMS`, else 100 000
   */
  readonly maxForEachItems?: number;
  /**
   * Most definition versions kept per flow in the registry; older ones are dropped when a new one is
   * published, except the versions of the flow's requests still pending, running or paused that the
   * request index lists.
   * @defaultValue `DAGFLOW_MAX_VERSIONS`, else 50
   */
  readonly maxVersions?: number;
  /**
   * About how many entries the audit log (a Redis Stream) keeps; older ones are trimmed.
   * @defaultValue `DAGFLOW_AUDIT_MAX_ENTRIES`, else 100,000
   */
  readonly auditMaxEntries?: number;
  /**
   * Most schedules one flow may have; `schedule()` with a new id refuses more with `INVALID_SCHEDULE`
   * (replacing an existing schedule is always allowed).
   * @defaultValue `DAGFLOW_MAX_SCHEDULES`, else 100
   */
  readonly maxSchedulesPerFlow?: number;
  /**
   * Shortest time (ms) between two ticks of one schedule: a smaller `everyMs`, or a cron pattern whose
   * ticks come closer, is refused with `INVALID_SCHEDULE`. A cron pattern with a seconds field (6
   * fields) is allowed only when this is under 60 000.
   * @defaultValue `DAGFLOW_MIN_SCHEDULE_INTERVAL_MS`, else 60 000 (one minute)
   */
  readonly minScheduleIntervalMs?: number;
  /**
   * Log level of the JSON-lines logger on stderr.
   * @defaultValue `LOG_LEVEL`, else `info`
   */
  readonly logLevel?: LogLevel;
  /**
   * Your own pino logger (or one with pino's API): the service logs through its child loggers, which
   * carry the prefix and, per node attempt, the flow, request id, node path and attempt. Its level and
   * destination are yours; {@link logLevel} then does not apply.
   * @defaultValue a pino logger on stderr at {@link logLevel}
   */
  readonly logger?: PinoLike;
  /**
   * Port of a small HTTP listener serving this process's Prometheus metrics at `/metrics`, opened by
   * `startWorker()`, `startServer()` and `start()`: a worker-only process counts the nodes it runs, so
   * each process is scraped. 0 picks a free port; unset opens none.
   * @defaultValue `METRICS_PORT`, else none
   */
  readonly metricsPort?: number;
  /**
   * Address the metrics listener binds. It asks for no token: open it beyond loopback (`0.0.0.0`) only
   * on a network your Prometheus shares and users do not.
   * @defaultValue `METRICS_HOST`, else `127.0.0.1`
   */
  readonly metricsHost?: string;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly redis: RedisTarget;
  /** Partitions of flows registered without their own; undefined: 1, or the masters of a cluster. */
  readonly partitions: number | undefined;
  readonly prefix: string;
  readonly port: number;
  readonly host: string | undefined;
  readonly workerConcurrency: number;
  readonly http: HttpFrontend | undefined;
  readonly retention: Retention;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxOutputBytes: number;
  readonly httpAllow: HttpAllowList;
  readonly maxForEachItems: number;
  readonly maxVersions: number;
  readonly auditMaxEntries: number;
  readonly maxSchedulesPerFlow: number;
  readonly minScheduleIntervalMs: number;
  readonly closeTimeoutMs: number;
  readonly stepUnavailableTimeoutMs: number | undefined;
  readonly logLevel: LogLevel;
  readonly logger: PinoLike | undefined;
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Applies environment variables and defaults to `options`. */
export function resolveOptions(
  options: FlowServiceOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedOptions {
  const partitions = options.partitions ?? intFrom(env['DAGFLOW_PARTITIONS'], 'DAGFLOW_PARTITIONS');
  return {
    redis: resolveRedisTarget(options, env),
    partitions: partitions === undefined ? undefined : positiveInt(partitions, 'partitions'),
    prefix: options.prefix ?? env['DAGFLOW_PREFIX'] ?? 'dagflow',
    port: options.port ?? intFrom(env['PORT'], 'PORT') ?? 8080,
    host: options.host ?? (env['HOST'] || undefined),
    workerConcurrency:
      options.workerConcurrency ?? intFrom(env['WORKER_CONCURRENCY'], 'WORKER_CONCURRENCY') ?? 10,
    http: options.http,
    retention: {
      completedMs: options.retention?.completedMs ?? DAY_MS,
      failedMs: options.retention?.failedMs ?? 7 * DAY_MS,
      pausedMs: options.retention?.pausedMs ?? 30 * DAY_MS,
    },
    lockDurationMs:
      options.lockDurationMs ??
      intFrom(env['DAGFLOW_LOCK_DURATION_MS'], 'DAGFLOW_LOCK_DURATION_MS') ??
      8_000,
    stalledIntervalMs:
      options.stalledIntervalMs ??
      intFrom(env['DAGFLOW_STALLED_INTERVAL_MS'], 'DAGFLOW_STALLED_INTERVAL_MS') ??
      4_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 30_000,
    stepUnavailableTimeoutMs: optionalPositive(
      options.stepUnavailableTimeoutMs ??
        intFrom(env['DAGFLOW_STEP_UNAVAILABLE_TIMEOUT_MS'], 'DAGFLOW_STEP_UNAVAILABLE_TIMEOUT_MS'),
      'stepUnavailableTimeoutMs',
    ),
    maxOutputBytes:
      options.maxOutputBytes ?? intFrom(env['MAX_OUTPUT_BYTES'], 'MAX_OUTPUT_BYTES') ?? 1024 * 1024,
    httpAllow:
      options.httpAllow === undefined
        ? HttpAllowList.parse(env['DAGFLOW_HTTP_ALLOW'])
        : new HttpAllowList(options.httpAllow),
    maxForEachItems: positiveInt(
      options.maxForEachItems ??
        intFrom(env['DAGFLOW_MAX_FOREACH_ITEMS'], 'DAGFLOW_MAX_FOREACH_ITEMS') ??
        100_000,
      'maxForEachItems',
    ),
    maxVersions: positiveInt(
      options.maxVersions ?? intFrom(env['DAGFLOW_MAX_VERSIONS'], 'DAGFLOW_MAX_VERSIONS') ?? 50,
      'maxVersions',
    ),
    auditMaxEntries: positiveInt(
      options.auditMaxEntries ??
        intFrom(env['DAGFLOW_AUDIT_MAX_ENTRIES'], 'DAGFLOW_AUDIT_MAX_ENTRIES') ??
        100_000,
      'auditMaxEntries',
    ),
    maxSchedulesPerFlow: positiveInt(
      options.maxSchedulesPerFlow ??
        intFrom(env['DAGFLOW_MAX_SCHEDULES'], 'DAGFLOW_MAX_SCHEDULES') ??
        100,
      'maxSchedulesPerFlow',
    ),
    minScheduleIntervalMs: positiveInt(
      options.minScheduleIntervalMs ??
        intFrom(env['DAGFLOW_MIN_SCHEDULE_INTERVAL_MS'], 'DAGFLOW_MIN_SCHEDULE_INTERVAL_MS') ??
        60_000,
      'minScheduleIntervalMs',
    ),
    logLevel: options.logLevel ?? (env['LOG_LEVEL'] as LogLevel | undefined) ?? 'info',
    logger: options.logger,
    metricsPort: options.metricsPort ?? intFrom(env['METRICS_PORT'], 'METRICS_PORT'),
    metricsHost: options.metricsHost ?? (env['METRICS_HOST'] || '127.0.0.1'),
  };
}

function optionalPositive(value: number | undefined, name: string): number | undefined {
  return value === undefined ? undefined : positiveInt(value, name);
}

function intFrom(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Environment variable ${name} must be a non-negative integer (got ${JSON.stringify(value)}).`,
    );
  }
  return parsed;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Option ${name} must be a positive integer (got ${JSON.stringify(value)}).`,
    );
  }
  return value;
}
