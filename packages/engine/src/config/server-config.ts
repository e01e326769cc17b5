import { type EnvReader, intOption, invalidConfig } from './env.js';
import type { ServerSettings } from './server-settings.js';
import { type MetricsConfig, metricsPart } from './worker-config.js';

/** {@link ServerSettings} with the environment and defaults applied. */
export interface ServerConfig extends MetricsConfig {
  readonly port: number;
  readonly host: string | undefined;
  readonly auditMaxEntries: number;
}

/**
 * The server part of the engine: `PORT`, `HOST`, `DAGFLOW_AUDIT_MAX_ENTRIES` and the metrics
 * listener's. The HTTP front end reads its own variables through the same step (`LoadedConfig.part`).
 * @throws DagflowError `INVALID_CONFIG` naming the malformed variable or option
 */
export function serverPart(options: ServerSettings, env: EnvReader): ServerConfig {
  const fromEnv = env.int('PORT');
  if (options.port === undefined && fromEnv !== undefined && fromEnv > 65_535) {
    throw invalidConfig('Environment variable PORT', 'must be a port number (0-65535)', fromEnv);
  }
  return {
    port: intOption(options.port ?? fromEnv ?? 8080, 'port', 0),
    host: options.host ?? env.string('HOST'),
    auditMaxEntries: intOption(
      options.auditMaxEntries ?? env.int('DAGFLOW_AUDIT_MAX_ENTRIES', 1) ?? 100_000,
      'auditMaxEntries',
    ),
    ...metricsPart(options, env),
  };
}
