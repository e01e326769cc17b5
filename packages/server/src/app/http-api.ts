import { endStreams } from '../http/event-stream.js';
import type { Server } from 'node:http';
import type { HttpFrontend, HttpHandle } from '@dagflow/engine';
import { type AppOptions, createApp } from './app.js';
import { httpPart, type HttpSettings } from '../http/http-config.js';
import { bindHost } from '../auth/protected-mode.js';
import { answerMalformedRequests } from '../http/malformed-requests.js';

/**
 * Options of {@link httpApi}: those of `createApp`, plus whether to authenticate at all and which
 * dashboard to serve. Each wins over its environment variable, which wins over the default.
 */
export interface HttpApiOptions extends Omit<AppOptions, 'dashboardDir'>, HttpSettings {}

/**
 * The HTTP front end for `FlowService`'s `http` option: `start()` and `startServer()` serve the dagflow
 * HTTP API with it. Its settings are read when the server starts, through the service's configuration
 * (`httpPart`), options over environment over defaults: tokens from `options.tokens`, else
 * `DAGFLOW_TOKENS` and `DAGFLOW_TOKENS_FILE`; CORS origins from `options.corsOrigins`, else
 * `DAGFLOW_CORS_ORIGINS`; the body limit from `options.maxBodyBytes`, else `MAX_BODY_BYTES`; and so
 * on. Without tokens it binds 127.0.0.1 by default and refuses other addresses unless auth is `off`
 * (see `docs/security.md`). `startServer()` throws `INVALID_CONFIG` for a refused address or a
 * malformed setting, naming it.
 *
 * @example
 * ```ts
 * const service = new FlowService({ port: 8080, http: httpApi({ maxBodyBytes: 5_000_000 }) });
 * ```
 */
export function httpApi(options: HttpApiOptions = {}): HttpFrontend {
  return {
    async listen(service, { port, host, config }): Promise<HttpHandle> {
      const { maxBodyBytes, dashboardDir, auth, tokens, corsOrigins, streamLimits } =
        await config.part(httpPart, options);
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
        streamLimits,
      });
      const server = await new Promise<Server>((resolve, reject) => {
        const listening = app.listen(port, address, (error?: Error) =>
          error ? reject(error) : resolve(listening),
        );
      });
      answerMalformedRequests(server);
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
