/**
 * HTTP request/reply: `POST /flow/one?wait=5` through dagflow's server (a `FlowService` with
 * `http: httpApi()` and `startServer()`, auth on with a bearer token, its worker in another process)
 * against the express route a BullMQ user writes (`queue.add` + `job.waitUntilFinished`, a raw BullMQ
 * worker in another process). Each server runs in a bench worker process of its own; the driver loads
 * them with autocannon.
 */
import type { Server } from 'node:http';
import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import autocannon from 'autocannon';
import express from 'express';
import type { StartSpec } from '../protocol.js';
import { engineConnection } from '../target.js';
import { registerFlows } from './dagflow.js';
import { replyClient } from './reply.js';
import type { Served } from './shape.js';

/** A started HTTP server: its port, and how to close it. */
export interface ServedHttp extends Served {
  readonly port: number;
}

/** The path both servers answer; `wait` in seconds, as dagflow's API takes it. */
export const HTTP_PATH = '/flow/one?wait=5';

/** dagflow's server: the `one` flow registered (as every process of the service does), no worker. */
export async function serveDagflowHttp(spec: StartSpec): Promise<ServedHttp> {
  if (spec.token === undefined) throw new Error('dagflow-server needs a token');
  const service = new FlowService({
    ...engineConnection(spec.target),
    prefix: spec.prefix,
    logLevel: 'warn',
    port: 0,
    host: '127.0.0.1',
    http: httpApi({ tokens: [{ role: 'operator', name: 'bench', token: spec.token }] }),
  });
  registerFlows(service, 'http');
  await service.startServer();
  const port = service.httpPort;
  if (port === undefined) throw new Error('dagflow-server: no HTTP port');
  return { port, close: () => service.close() };
}

/** The express route a BullMQ user writes: add the job, wait for its return value, answer it. */
export async function serveExpressHttp(spec: StartSpec): Promise<ServedHttp> {
  const client = await replyClient(spec.target, spec.prefix);
  const app = express();
  app.post('/flow/one', express.json(), async (req, res) => {
    const result = await client.request(req.body, Number(req.query['wait'] ?? 5) * 1000);
    res.json(result);
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('express: no address');
  return {
    port: address.port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await client.close();
    },
  };
}

/** What a load of the HTTP row gave. */
export interface HttpLoad {
  /** 200 answers. */
  readonly ok: number;
  /** Answers other than 200, errors and timeouts. */
  readonly bad: number;
  readonly ms: number;
  /** Latency quantiles of the 2xx answers, in ms (autocannon's histogram). */
  readonly p50: number;
  readonly p99: number;
}

/**
 * Drives `POST <HTTP_PATH>` at `port` for `seconds` with `connections` keep-alive connections (a JSON
 * body and the bearer token on every request, to both servers alike).
 */
export async function loadHttp(
  port: number,
  options: { seconds: number; connections: number; token: string },
): Promise<HttpLoad> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${HTTP_PATH}`,
    method: 'POST',
    connections: options.connections,
    duration: options.seconds,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${options.token}`,
    },
    body: JSON.stringify({ n: 1 }),
  });
  const ok = result.statusCodeStats?.['200']?.count ?? 0;
  return {
    ok,
    bad: result['2xx'] - ok + result.non2xx + result.errors,
    ms: result.duration * 1000,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
