/** Sizes of one chaos run, from the environment; the defaults are the CI size (about 2 minutes). */
export interface ChaosConfig {
  /** `DAGFLOW_CHAOS_SEED`, else random. */
  readonly seed: number;
  /** How long commands and faults are injected: `DAGFLOW_CHAOS_MS`, else 60 000. */
  readonly chaosMs: number;
  /** Requests submitted during the chaos phase: `DAGFLOW_CHAOS_REQUESTS`, else one per second of it. */
  readonly requests: number;
  /** Worker processes: `DAGFLOW_CHAOS_WORKERS`, else 2. */
  readonly workers: number;
  /** Workers' lock duration (the issue's target default), ms. */
  readonly lockMs: number;
  /** Workers' stalled-check interval (the issue's target default), ms. */
  readonly stalledMs: number;
  /** Workers' `closeTimeoutMs`: how long a SIGTERM (a deploy) lets running nodes finish, ms. */
  readonly closeMs: number;
  /** Longest accepted recovery after a fault, ms. */
  readonly recoveryLimitMs: number;
}

function intEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be an integer`);
  return parsed;
}

/** The run's configuration. */
export function chaosConfig(): ChaosConfig {
  const chaosMs = intEnv('DAGFLOW_CHAOS_MS') ?? 60_000;
  return {
    seed: intEnv('DAGFLOW_CHAOS_SEED') ?? Math.floor(Math.random() * 2 ** 31),
    chaosMs,
    requests: intEnv('DAGFLOW_CHAOS_REQUESTS') ?? Math.max(10, Math.round(chaosMs / 1_000)),
    workers: intEnv('DAGFLOW_CHAOS_WORKERS') ?? 2,
    lockMs: intEnv('DAGFLOW_CHAOS_LOCK_MS') ?? 8_000,
    stalledMs: intEnv('DAGFLOW_CHAOS_STALLED_MS') ?? 4_000,
    closeMs: intEnv('DAGFLOW_CHAOS_CLOSE_MS') ?? 3_000,
    recoveryLimitMs: 15_000,
  };
}
