import type { LogLevel, PinoLike } from '../infra/logger.js';
import type { RedisClusterConfig, RedisTlsFiles } from '../infra/redis-target.js';
import type { Retention } from '../store/state-results.js';

/**
 * Options of every process that reads or starts requests (a `FlowClient`, and so every
 * `FlowService`): where requests live, how long they are kept, logging, limits of what a client may
 * ask. Precedence: an option given here, else its environment variable, else the default
 * (`loadConfig`).
 */
export interface ClientSettings {
  /**
   * Redis to use.
   * @defaultValue `REDIS_URL`, else `redis://127.0.0.1:6379`
   */
  readonly redisUrl?: string;
  /**
   * Redis Cluster to use instead of {@link redisUrl}: every connection the service makes (queues,
   * workers, state, pub/sub, registry) becomes an ioredis `Cluster`. This option wins over
   * `redisUrl`; `REDIS_CLUSTER_NODES` wins over `REDIS_URL` but not over an explicit `redisUrl`
   * option (options beat the environment). See docs/scaling.md.
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
   * How long finished requests stay readable, and paused ones are kept before they expire.
   * @defaultValue completed 24 h, failed and stopped 7 days, paused 30 days
   */
  readonly retention?: Partial<Retention>;
  /**
   * How long `close()` lets running nodes finish before it closes workers hard.
   * @defaultValue 30 000 ms
   */
  readonly closeTimeoutMs?: number;
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
   * Whether this process runs bulk actions (`bulk()`, one BullMQ job each on dagflow's own queue):
   * a process that starts workers or starts a bulk action runs them, and takes over one whose
   * process died. `false` leaves them to other processes.
   * @defaultValue `DAGFLOW_BULK_RUNNER` (`on` or `off`), else true
   */
  readonly bulkRunner?: boolean;
  /**
   * How many finished node jobs each BullMQ queue keeps for BullMQ's own tools (bull-board's Completed
   * and Failed tabs, `Queue.getMetrics`, `getJobs`): the newest `completed` of the completed and
   * `failed` of the failed. dagflow itself needs none of them (a request's state holds every node's
   * outcome), so by default a job is removed as it finishes; each kept job costs Redis its hash (its
   * input, context and output, about as much as the node's state). See docs/bullmq-tools.md.
   * @defaultValue `DAGFLOW_KEEP_COMPLETED_JOBS` and `DAGFLOW_KEEP_FAILED_JOBS`, else 0 (none kept)
   */
  readonly keepJobs?: { readonly completed?: number; readonly failed?: number };
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
   * Keys that sign and verify signal URLs (`signalUrl`, `ctx.signalUrl`, `POST /signals/:token`):
   * `id:secret,...`, each secret at least 32 characters; the first signs, all verify, so a new key is
   * put first and an old one dropped once its URLs expired.
   * @defaultValue `DAGFLOW_SIGNING_KEY`, else none (signal URLs cannot be made)
   */
  readonly signingKey?: string;
  /**
   * The base of signal URLs, as callers outside reach the HTTP server (e.g. `https://flows.example.com`).
   * @defaultValue `DAGFLOW_PUBLIC_URL`, else `http://<HOST>:<PORT>` (`127.0.0.1` for an unset or
   *   wildcard host, port 8080 unless `PORT`)
   */
  readonly publicUrl?: string;
}
