import { HttpAllowList } from '../infra/http-guard.js';
import { type EnvReader, intOption } from './env.js';
import type { MetricsSettings, WorkerSettings } from './worker-settings.js';

/** {@link MetricsSettings} with the environment and defaults applied. */
export interface MetricsConfig {
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
}

/** {@link WorkerSettings} with the environment and defaults applied. */
export interface WorkerConfig extends MetricsConfig {
  readonly workerConcurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly stepUnavailableTimeoutMs: number | undefined;
  readonly maxOutputBytes: number;
  readonly maxChunkBytes: number;
  readonly maxStreamBytes: number;
  readonly httpAllow: HttpAllowList;
}

/**
 * The metrics listener's part (of a worker and of a server): `METRICS_PORT`, `METRICS_HOST`.
 * @throws DagflowError `INVALID_CONFIG` naming the malformed variable
 */
export function metricsPart(options: MetricsSettings, env: EnvReader): MetricsConfig {
  return {
    metricsPort: options.metricsPort ?? env.int('METRICS_PORT'),
    metricsHost: options.metricsHost ?? env.string('METRICS_HOST') ?? '127.0.0.1',
  };
}

/**
 * The worker part: `WORKER_CONCURRENCY`, `DAGFLOW_LOCK_DURATION_MS`, `DAGFLOW_STALLED_INTERVAL_MS`,
 * `DAGFLOW_STEP_UNAVAILABLE_TIMEOUT_MS`, `MAX_OUTPUT_BYTES`, `DAGFLOW_MAX_CHUNK_BYTES`,
 * `DAGFLOW_MAX_STREAM_BYTES`, `DAGFLOW_HTTP_ALLOW` and the metrics listener's.
 * @throws DagflowError `INVALID_CONFIG` naming the malformed variable or option
 */
export function workerPart(options: WorkerSettings, env: EnvReader): WorkerConfig {
  const workerConcurrency = intOption(
    options.workerConcurrency ?? env.int('WORKER_CONCURRENCY', 1) ?? 10,
    'workerConcurrency',
  );
  const lockDurationMs = intOption(
    options.lockDurationMs ?? env.int('DAGFLOW_LOCK_DURATION_MS', 1) ?? 8_000,
    'lockDurationMs',
  );
  const stalledIntervalMs = intOption(
    options.stalledIntervalMs ?? env.int('DAGFLOW_STALLED_INTERVAL_MS', 1) ?? 4_000,
    'stalledIntervalMs',
  );
  const unavailable =
    options.stepUnavailableTimeoutMs ?? env.int('DAGFLOW_STEP_UNAVAILABLE_TIMEOUT_MS', 1);
  return {
    workerConcurrency,
    lockDurationMs,
    stalledIntervalMs,
    stepUnavailableTimeoutMs:
      unavailable === undefined ? undefined : intOption(unavailable, 'stepUnavailableTimeoutMs'),
    maxOutputBytes: options.maxOutputBytes ?? env.int('MAX_OUTPUT_BYTES') ?? 1024 * 1024,
    maxChunkBytes: intOption(
      options.maxChunkBytes ?? env.int('DAGFLOW_MAX_CHUNK_BYTES', 1) ?? 256 * 1024,
      'maxChunkBytes',
    ),
    maxStreamBytes: intOption(
      options.maxStreamBytes ?? env.int('DAGFLOW_MAX_STREAM_BYTES', 1) ?? 64 * 1024 * 1024,
      'maxStreamBytes',
    ),
    httpAllow:
      options.httpAllow === undefined
        ? HttpAllowList.parse(env.string('DAGFLOW_HTTP_ALLOW'))
        : new HttpAllowList(options.httpAllow),
    ...metricsPart(options, env),
  };
}
