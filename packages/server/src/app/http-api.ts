import { endStreams } from '../http/event-stream.js';
import type { Server } from 'node:http';
import type { HttpFrontend, HttpHandle } from '@dagflow/engine';
import { type AppOptions, createApp } from './app.js';
import { parseCorsOrigins } from '../http/cors.js';
import { installedDashboardDir } from '../http/installed-dashboard.js';
import { type AuthMode, authModeFrom, bindHost } from '../auth/protected-mode.js';
import { tokensFromEnv } from '../auth/tokens.js';

/** Options of {@link httpApi}: those of `createApp`, plus whether to authenticate at all. */
export interface HttpApiOptions extends Omit<AppOptions, 'dashboardDir'> {
  /**
   * Directory of a dashboard build to serve under `/dashboard/`; `false` serves none.
   * @defaultValue `DAGFLOW_DASHBOARD_DIR`, else the build of the installed `@dagflow/dashboard`
   */
  readonly dashboardDir?: string | false;
  /**
   * `off` serves without authentication on any address (with a warning); configured tokens are ignored.
   * @defaultValue `DAGFLOW_AUTH`, else `on`
   */
  readonly auth?: AuthMode;
}

/**
 * The HTTP front end for `FlowService`'s `http` option: `start()` and `startServer()` serve the dagflow
 * HTTP API with it. Tokens come from `options.tokens`, else `DAGFLOW_TOKENS` and `DAGFLOW_TOKENS_FILE`;
 * CORS origins from `options.corsOrigins`, else `DAGFLOW_CORS_ORIGINS`. Without tokens it binds
 * 127.0.0.1 by default and refuses other addresses unless auth is `off` (see `docs/security.md`).
 * `startServer()` throws `INVALID_CONFIG` for a refused address or a malformed setting.
 *
 * @example
 * ```ts
 * const service = new FlowService({ port: 8080, http: httpApi({ maxBodyBytes: 5_000_000 }) });
 * ```
 */
export function httpApi(options: HttpApiOptions = {}): HttpFrontend {
  const maxBodyBytes = options.maxBodyBytes ?? numberFromEnv('MAX_BODY_BYTES');
  const dashboardDir =
    options.dashboardDir === false
      ? undefined
      : (options.dashboardDir ??
        nonEmpty(process.env['DAGFLOW_DASHBOARD_DIR']) ??
        installedDashboardDir());
  return {
    async listen(service, { port, host }): Promise<HttpHandle> {
      const auth = options.auth ?? authModeFrom(process.env['DAGFLOW_AUTH']);
      const tokens = options.tokens ?? (await tokensFromEnv(process.env));
      const corsOrigins =
        options.corsOrigins ?? parseCorsOrigins(process.env['DAGFLOW_CORS_ORIGINS'] ?? '');
      const address = bindHost({
        host,
        tokens: tokens.length,
        auth,
        log: service.log,
      });
      const app = createApp(service, {
        ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
        ...(dashboardDir === undefined ? {} : { dashboardDir }),
        tokens: auth === 'off' ? [] : tokens,
        corsOrigins,
        ...(options.authFailures === undefined ? {} : { authFailures: options.authFailures }),
        ...(options.auditExecutes === undefined ? {} : { auditExecutes: options.auditExecutes }),
        ...(options.streamLimits === undefined ? {} : { streamLimits: options.streamLimits }),
      });
      const server = await new Promise<Server>((resolve, reject) => {
        const listening = app.listen(port, address, (error?: Error) =>
          error ? reject(error) : resolve(listening),
        );
      });
      const bound = server.address();
      return {
        port: typeof bound === 'object' && bound !== null ? bound.port : port,
        close: () => {
          endStreams(app);
          return closeServer(server);
        },
      };
    },
  };
}

/** Stops accepting, ends idle keep-alive connections, and gives busy ones 5 s before closing them. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 5_000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function numberFromEnv(name: string): number | undefined {
  const value = process.env[name];
  return value === undefined || value === '' || Number.isNaN(Number(value))
    ? undefined
    : Number(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
