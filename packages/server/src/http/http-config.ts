import type { EnvReader } from '@dagflow/engine';
import { type AuthMode, authModeFrom } from '../auth/protected-mode.js';
import { type ApiToken, tokensFromEnv } from '../auth/tokens.js';
import { parseCorsOrigins } from './cors.js';
import { installedDashboardDir } from './installed-dashboard.js';
import type { StreamLimits } from './stream-quota.js';

/**
 * The HTTP front end's own settings (`httpApi()` options). Precedence, as for the engine's parts: an
 * option, else its environment variable, else the default.
 */
export interface HttpSettings {
  /**
   * Largest accepted request body in bytes.
   * @defaultValue `MAX_BODY_BYTES`, else 1 MiB
   */
  readonly maxBodyBytes?: number;
  /**
   * Directory of a dashboard build to serve under `/dashboard/`; `false` serves none.
   * @defaultValue `DAGFLOW_DASHBOARD_DIR`, else the build of the installed `@dagflow/dashboard`
   */
  readonly dashboardDir?: string | false;
  /**
   * `off` serves without authentication on any address (with a warning); configured tokens are ignored.
   * @defaultValue `DAGFLOW_AUTH` (`on` or `off`), else `on`
   */
  readonly auth?: AuthMode;
  /**
   * Bearer tokens and their roles (see `docs/security.md`).
   * @defaultValue `DAGFLOW_TOKENS` and the file named by `DAGFLOW_TOKENS_FILE`, else none
   */
  readonly tokens?: readonly ApiToken[];
  /**
   * Origins whose pages may call the API from a browser (CORS).
   * @defaultValue `DAGFLOW_CORS_ORIGINS` (comma separated), else none: CORS is off
   */
  readonly corsOrigins?: readonly string[];
  /**
   * Live streams this server holds open, in all and per caller.
   * @defaultValue `DAGFLOW_MAX_STREAMS` (else 1,000) and `DAGFLOW_MAX_STREAMS_PER_TOKEN` (else 32)
   */
  readonly streamLimits?: StreamLimits;
}

/** {@link HttpSettings} with the environment and defaults applied. */
export interface HttpConfig {
  /** Undefined: `createApp`'s default (1 MiB). */
  readonly maxBodyBytes: number | undefined;
  readonly dashboardDir: string | undefined;
  readonly auth: AuthMode;
  readonly tokens: readonly ApiToken[];
  readonly corsOrigins: readonly string[];
  readonly streamLimits: StreamLimits;
}

/**
 * The live-stream limits: `DAGFLOW_MAX_STREAMS`, `DAGFLOW_MAX_STREAMS_PER_TOKEN`.
 * @throws DagflowError `INVALID_CONFIG` naming a variable that is not a positive integer
 */
export function streamLimitsPart(
  options: Pick<HttpSettings, 'streamLimits'>,
  env: EnvReader,
): StreamLimits {
  return (
    options.streamLimits ?? {
      total: env.int('DAGFLOW_MAX_STREAMS', 1) ?? 1_000,
      perCaller: env.int('DAGFLOW_MAX_STREAMS_PER_TOKEN', 1) ?? 32,
    }
  );
}

/**
 * The HTTP front end's part of the configuration, resolved by `startServer()` through the service's
 * `LoadedConfig` (`config.part(httpPart, options)`): `MAX_BODY_BYTES`, `DAGFLOW_DASHBOARD_DIR`,
 * `DAGFLOW_AUTH`, `DAGFLOW_TOKENS`, `DAGFLOW_TOKENS_FILE`, `DAGFLOW_CORS_ORIGINS`,
 * `DAGFLOW_MAX_STREAMS`, `DAGFLOW_MAX_STREAMS_PER_TOKEN`. (`HOST` and `PORT` are the engine's server
 * part.)
 * @throws DagflowError `INVALID_CONFIG` naming the malformed variable (never a token)
 */
export async function httpPart(options: HttpSettings, env: EnvReader): Promise<HttpConfig> {
  const maxBodyBytes = options.maxBodyBytes ?? env.int('MAX_BODY_BYTES', 1);
  const auth = options.auth ?? authModeFrom(env.string('DAGFLOW_AUTH'));
  const tokens =
    options.tokens ??
    (await tokensFromEnv({
      DAGFLOW_TOKENS: env.string('DAGFLOW_TOKENS'),
      DAGFLOW_TOKENS_FILE: env.string('DAGFLOW_TOKENS_FILE'),
    }));
  const corsOrigins =
    options.corsOrigins ?? parseCorsOrigins(env.string('DAGFLOW_CORS_ORIGINS') ?? '');
  const dashboardDir =
    options.dashboardDir === false
      ? undefined
      : (options.dashboardDir ?? env.string('DAGFLOW_DASHBOARD_DIR') ?? installedDashboardDir());
  return {
    maxBodyBytes,
    dashboardDir,
    auth,
    tokens,
    corsOrigins,
    streamLimits: streamLimitsPart(options, env),
  };
}
