/**
 * The driver side of the request/reply and HTTP measurements: what each sends, and the loads that time
 * it (throughput with many in flight, latency one at a time, autocannon against a server).
 */
import type { BenchConfig } from '../config.js';
import { quantile } from '../stats.js';
import { benchClient, requestReply } from './dagflow.js';
import { loadHttp } from './http.js';
import { inFlight, oneByOne, replyClient } from './reply.js';
import type { LoadContext } from './shape.js';

/** What a measurement's driver side answers. */
export interface LoadOutcome {
  readonly ms: number;
  /** Per-hop ms of each chain run (chain shapes only). */
  readonly perHop?: readonly number[];
  /** Latency quantiles of the requests, in ms (request/reply latency and HTTP rows). */
  readonly latency?: { readonly p50: number; readonly p99: number };
  /** Requests answered, where the load counts them (HTTP: 200 answers in its seconds). */
  readonly nodes?: number;
  /** Redis memory (bytes) per 1,000 of the load's items, where it measures it (the stream shape). */
  readonly memoryPer1000?: number;
}

/** Untimed requests each request/reply load sends first (connections, subscriptions). */
const WARM_REQUESTS = 5;

/** A request/reply load against BullMQ: a `ReplyClient` of the driver, `queue.add` + `waitUntilFinished`. */
export async function bullmqReply(
  ctx: LoadContext,
  load: (send: (i: number) => Promise<unknown>) => Promise<LoadOutcome>,
): Promise<LoadOutcome> {
  const client = await replyClient(ctx.target, ctx.prefix, ctx.redis);
  try {
    const send = (i: number): Promise<unknown> => client.request({ i });
    await oneByOne(send, WARM_REQUESTS);
    return await load(send);
  } finally {
    await client.close();
  }
}

/** The same load against dagflow: a `FlowClient` of the driver, 1-node requests of `single`. */
export async function dagflowReply(
  ctx: LoadContext,
  load: (send: (i: number) => Promise<unknown>) => Promise<LoadOutcome>,
): Promise<LoadOutcome> {
  const client = benchClient(ctx);
  try {
    const send = requestReply(client, 'single');
    await oneByOne(send, WARM_REQUESTS);
    return await load(send);
  } finally {
    await client.close();
  }
}

/** Throughput: `count` requests, `c.replyInFlight` of them outstanding at any time. */
export const throughputLoad =
  (count: number, c: BenchConfig) =>
  async (send: (i: number) => Promise<unknown>): Promise<LoadOutcome> => ({
    ms: await inFlight(send, count, c.replyInFlight),
  });

/** One request at a time: the p50 and p99 of their latencies. */
export const latencyLoad =
  (c: BenchConfig) =>
  async (send: (i: number) => Promise<unknown>): Promise<LoadOutcome> => {
    const samples = await oneByOne(send, c.latencyRequests);
    return {
      ms: samples.reduce((a, b) => a + b, 0),
      latency: { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) },
    };
  };

/** Pause after an HTTP load, before the server stops. */
const HTTP_DRAIN_MS = 500;

/** The HTTP row's load: autocannon against the server the measurement's first process answered. */
export async function httpLoad(ctx: LoadContext, c: BenchConfig): Promise<LoadOutcome> {
  const port = ctx.ports[0];
  if (port === undefined) throw new Error('the HTTP server answered no port');
  const load = await loadHttp(port, {
    seconds: c.httpSeconds,
    connections: c.httpConnections,
    token: ctx.token,
  });
  if (load.bad > 0) ctx.log(`HTTP load on ${port}: ${load.bad} answers other than 200 or errors`);
  // autocannon drops its connections at the deadline; let the server answer what it still holds
  // before it is stopped (else its waits fail on the closed Redis connection, and it logs each).
  await new Promise((resolve) => setTimeout(resolve, HTTP_DRAIN_MS));
  return { ms: load.ms, nodes: load.ok, latency: { p50: load.p50, p99: load.p99 } };
}
