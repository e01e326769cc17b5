import { DagflowError, ErrorCode } from '@dagflow/flow';
import { HttpAllowList } from '../infra/http-guard.js';
import { type RedisTarget, resolveRedisTarget } from '../infra/redis-target.js';
import type { LogLevel, PinoLike } from '../infra/logger.js';
import type { Retention } from '../store/state-results.js';
import type { ServiceSettings } from './service-settings.js';

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly redis: RedisTarget;
  /** Partitions of flows registered without their own; undefined: 1, or the masters of a cluster. */
  readonly partitions: number | undefined;
  readonly prefix: string;
  readonly port: number;
  readonly host: string | undefined;
  readonly workerConcurrency: number;
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
  options: ServiceSettings,
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
