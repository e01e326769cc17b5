import type { Server } from 'node:http';
import type { FlowService, HttpFrontend, HttpHandle } from '@dagflow/engine';
import { type AppOptions, createApp } from './app.js';

/**
 * The HTTP front end for `FlowService`'s `http` option: `start()` and `startServer()` serve the dagflow
 * HTTP API with it.
 *
 * @example
 * ```ts
 * const service = new FlowService({ port: 8080, http: httpApi({ maxBodyBytes: 5_000_000 }) });
 * ```
 */
export function httpApi(options: AppOptions = {}): HttpFrontend {
  const maxBodyBytes = options.maxBodyBytes ?? numberFromEnv('MAX_BODY_BYTES');
  const dashboardDir = options.dashboardDir ?? nonEmpty(process.env['DAGFLOW_DASHBOARD_DIR']);
  return {
    async listen(service, { port, host }): Promise<HttpHandle> {
      const app = createApp(service as FlowService, {
        ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
        ...(dashboardDir === undefined ? {} : { dashboardDir }),
      });
      const server = await new Promise<Server>((resolve, reject) => {
        const listening = app.listen(port, host, (error?: Error) =>
          error ? reject(error) : resolve(listening),
        );
      });
      const address = server.address();
      return {
        port: typeof address === 'object' && address !== null ? address.port : port,
        close: () => closeServer(server),
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
