import { createServer } from 'node:http';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';

/** The Prometheus text format's content type. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A listening metrics endpoint. */
export interface MetricsEndpoint {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

/** Where the endpoint listens and what it serves. */
export interface MetricsEndpointOptions {
  readonly port: number;
  readonly host: string;
  /** The exposition, rendered at each scrape. */
  readonly render: () => Promise<string>;
  readonly log: Logger;
}

/**
 * Serves `GET /metrics` on its own port (`METRICS_PORT`): the way to scrape a process that serves no
 * HTTP API, such as a worker-only process. Every other path answers 404.
 * @throws DagflowError `INVALID_CONFIG` when it cannot listen there (the port is taken, the host unknown).
 */
export async function listenMetrics(options: MetricsEndpointOptions): Promise<MetricsEndpoint> {
  const { render, log } = options;
  const server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end();
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(text),
      (error: unknown) => {
        log.warn('metrics scrape failed', { error: String(error) });
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: Error) =>
      reject(
        new DagflowError(
          ErrorCode.INVALID_CONFIG,
          `Cannot serve metrics on ${options.host}:${options.port} (METRICS_PORT, METRICS_HOST): ${error.message}`,
          { cause: error },
        ),
      );
    server.once('error', refuse);
    server.listen(options.port, options.host, () => {
      server.off('error', refuse);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  log.info('metrics listening', { port, host: options.host });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
