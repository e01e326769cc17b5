import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { LoadedConfig } from '../config/load-config.js';
import type { ServerConfig } from '../config/server-config.js';
import type { MetricsConfig, WorkerConfig } from '../config/worker-config.js';
import type { Keys } from '../format/keys.js';
import { AuditLog } from '../registry/audit-log.js';
import { checkStoredFormat } from '../format/stored-format.js';
import type { Logger } from '../infra/logger.js';
import { listenMetrics, type MetricsEndpoint } from '../infra/metrics-endpoint.js';
import { type RedisClient, assertRedisAccess } from '../infra/redis-connection.js';
import type { FlowApi } from './flow-api.js';
import type { HttpHandle } from './http-frontend.js';
import type { FlowServiceOptions } from './service-options.js';

/** What {@link ServiceStartup} works with. */
export interface StartupParts {
  readonly config: LoadedConfig;
  readonly settings: FlowServiceOptions;
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly log: Logger;
  /** The metrics text the listener serves. */
  readonly render: () => Promise<string>;
}

/**
 * What a service does once before it serves, whichever of `startWorker()` and `startServer()` comes
 * first: read the worker and server parts of its configuration, check the stored format, open the
 * metrics listener; and the HTTP front end `startServer()` starts. Each happens once; a failed one is tried again by the next start.
 */
export class ServiceStartup {
  #workerConfig: WorkerConfig | undefined;
  #serverConfig: ServerConfig | undefined;
  #formatChecked: Promise<void> | undefined;
  #metricsEndpoint: Promise<MetricsEndpoint> | undefined;
  #metricsPort: number | undefined;
  #http: HttpHandle | undefined;

  constructor(private readonly parts: StartupParts) {}

  /** The worker part of the configuration, read once. */
  worker(): WorkerConfig {
    this.#workerConfig ??= this.parts.config.worker(this.parts.settings);
    return this.#workerConfig;
  }

  /** The server part of the configuration, read once. */
  server(): ServerConfig {
    this.#serverConfig ??= this.parts.config.server(this.parts.settings);
    return this.#serverConfig;
  }

  /**
   * The audit log of the state changes made over the HTTP API: a Redis Stream as long as the server
   * part's `auditMaxEntries` (read when first written to), each entry also logged.
   */
  auditLog(): AuditLog {
    const server = () => this.server();
    return new AuditLog({
      redis: () => this.parts.redis,
      key: this.parts.keys.audit,
      get maxEntries() {
        return server().auditMaxEntries;
      },
      log: this.parts.log,
    });
  }

  /** Checks the stored format once per process, before it serves anything (see `stored-format.ts`). */
  checkFormat(): Promise<void> {
    this.#formatChecked ??= checkStoredFormat(this.parts.redis, this.parts.keys).catch(
      (error: unknown) => {
        this.#formatChecked = undefined;
        throw error;
      },
    );
    return this.#formatChecked;
  }

  /** Opens the metrics listener when a `metricsPort` is configured; once. */
  async openMetrics(config: MetricsConfig): Promise<void> {
    const { metricsPort: port, metricsHost: host } = config;
    if (port === undefined) return;
    const { render, log } = this.parts;
    this.#metricsEndpoint ??= listenMetrics({ port, host, render, log });
    try {
      this.#metricsPort = (await this.#metricsEndpoint).port;
    } catch (error) {
      this.#metricsEndpoint = undefined;
      throw error;
    }
  }

  /**
   * Starts the HTTP front end of the `http` option on `api`; once.
   * @throws DagflowError `INVALID_CONFIG` when no `http` option was given, or the Redis user may not
   *   run `INFO`
   */
  async listen(api: FlowApi, at: { readonly port: number; readonly host: string | undefined }) {
    if (this.#http !== undefined) return;
    const http = this.parts.settings.http;
    if (http === undefined) {
      throw new DagflowError(
        ErrorCode.INVALID_CONFIG,
        "No HTTP front end: pass `http: httpApi()` from '@dagflow/server' to the FlowService options.",
      );
    }
    await this.parts.redis.ping();
    await assertRedisAccess(this.parts.redis);
    this.#http = await http.listen(api, { ...at, config: this.parts.config });
    const host =
      at.host === undefined || ['0.0.0.0', '::'].includes(at.host) ? '127.0.0.1' : at.host;
    this.#httpUrl = `http://${host.includes(':') ? `[${host}]` : host}:${this.#http.port}`;
    this.parts.log.info('http server listening', { port: this.#http.port });
  }

  /** The base URL of the HTTP server on its listen address, once started (signal URLs' default). */
  get httpUrl(): string | undefined {
    return this.#httpUrl;
  }

  #httpUrl: string | undefined;

  /** The port the HTTP server listens on, once started. */
  get httpPort(): number | undefined {
    return this.#http?.port;
  }

  /** The port of the metrics listener, once open. */
  get metricsPort(): number | undefined {
    return this.#metricsPort;
  }

  /** Closes the HTTP server and the metrics listener, those that opened. */
  async close(): Promise<void> {
    await this.#http?.close();
    await this.#metricsEndpoint?.then(
      (endpoint) => endpoint.close(),
      () => undefined,
    );
  }
}
