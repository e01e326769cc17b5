import type { MetricsSettings } from './worker-settings.js';

/**
 * Options read when a service starts its HTTP server (`startServer()`, `start()`), and only then;
 * the HTTP front end (`httpApi()` of `@dagflow/server`) adds its own through the same step
 * (`LoadedConfig.part`). Precedence: option, else environment variable, else default.
 */
export interface ServerSettings extends MetricsSettings {
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
   * About how many entries the audit log (a Redis Stream) keeps; older ones are trimmed.
   * @defaultValue `DAGFLOW_AUDIT_MAX_ENTRIES`, else 100,000
   */
  readonly auditMaxEntries?: number;
}
