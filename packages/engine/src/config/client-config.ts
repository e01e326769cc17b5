import type { LogLevel, PinoLike } from '../infra/logger.js';
import type { RedisTarget } from '../infra/redis-target.js';
import type { Retention } from '../store/state-results.js';
import type { ClientSettings } from './client-settings.js';
import { type EnvReader, intOption } from './env.js';
import { redisTargetOf } from './redis-config.js';
import { type SigningConfig, signingPart } from './signing-config.js';

/** {@link ClientSettings} with the environment and defaults applied. */
export interface ClientConfig {
  readonly redis: RedisTarget;
  /** Partitions of flows registered without their own; undefined: 1, or the masters of a cluster. */
  readonly partitions: number | undefined;
  readonly prefix: string;
  readonly retention: Retention;
  readonly closeTimeoutMs: number;
  readonly maxForEachItems: number;
  readonly maxVersions: number;
  readonly maxSchedulesPerFlow: number;
  readonly minScheduleIntervalMs: number;
  readonly bulkRunner: boolean;
  /** Finished node jobs each queue keeps, by outcome (0: removed as they finish). */
  readonly keepJobs: KeptJobs;
  readonly logLevel: LogLevel;
  readonly logger: PinoLike | undefined;
  /** Keys and base URL of signal URLs. */
  readonly signing: SigningConfig;
}

/** Finished node jobs a queue keeps for BullMQ's tools ({@link ClientSettings.keepJobs}). */
export interface KeptJobs {
  readonly completed: number;
  readonly failed: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/**
 * The client part: `REDIS_*`, `DAGFLOW_PARTITIONS`, `DAGFLOW_PREFIX`, `DAGFLOW_MAX_FOREACH_ITEMS`,
 * `DAGFLOW_MAX_VERSIONS`, `DAGFLOW_MAX_SCHEDULES`, `DAGFLOW_MIN_SCHEDULE_INTERVAL_MS`,
 * `DAGFLOW_KEEP_COMPLETED_JOBS`, `DAGFLOW_KEEP_FAILED_JOBS`, `LOG_LEVEL`, `DAGFLOW_SIGNING_KEY`,
 * `DAGFLOW_PUBLIC_URL` (with `HOST` and `PORT` for its default);
 * nothing of a worker's or a server's.
 * @throws DagflowError `INVALID_CONFIG` naming the malformed variable or option
 */
export function clientPart(options: ClientSettings, env: EnvReader): ClientConfig {
  const partitions = options.partitions ?? env.int('DAGFLOW_PARTITIONS', 1);
  return {
    redis: redisTargetOf(options, env),
    partitions: partitions === undefined ? undefined : intOption(partitions, 'partitions'),
    prefix: options.prefix ?? env.string('DAGFLOW_PREFIX') ?? 'dagflow',
    retention: {
      completedMs: options.retention?.completedMs ?? DAY_MS,
      failedMs: options.retention?.failedMs ?? 7 * DAY_MS,
      pausedMs: options.retention?.pausedMs ?? 30 * DAY_MS,
    },
    closeTimeoutMs: options.closeTimeoutMs ?? 30_000,
    maxForEachItems: intOption(
      options.maxForEachItems ?? env.int('DAGFLOW_MAX_FOREACH_ITEMS', 1) ?? 100_000,
      'maxForEachItems',
    ),
    maxVersions: intOption(
      options.maxVersions ?? env.int('DAGFLOW_MAX_VERSIONS', 1) ?? 50,
      'maxVersions',
    ),
    maxSchedulesPerFlow: intOption(
      options.maxSchedulesPerFlow ?? env.int('DAGFLOW_MAX_SCHEDULES', 1) ?? 100,
      'maxSchedulesPerFlow',
    ),
    minScheduleIntervalMs: intOption(
      options.minScheduleIntervalMs ?? env.int('DAGFLOW_MIN_SCHEDULE_INTERVAL_MS', 1) ?? 60_000,
      'minScheduleIntervalMs',
    ),
    bulkRunner: options.bulkRunner ?? env.oneOf('DAGFLOW_BULK_RUNNER', ['on', 'off']) !== 'off',
    keepJobs: {
      completed: intOption(
        options.keepJobs?.completed ?? env.int('DAGFLOW_KEEP_COMPLETED_JOBS') ?? 0,
        'keepJobs.completed',
        0,
      ),
      failed: intOption(
        options.keepJobs?.failed ?? env.int('DAGFLOW_KEEP_FAILED_JOBS') ?? 0,
        'keepJobs.failed',
        0,
      ),
    },
    logLevel: options.logLevel ?? env.oneOf('LOG_LEVEL', LOG_LEVELS) ?? 'info',
    logger: options.logger,
    signing: signingPart(options, env),
  };
}
