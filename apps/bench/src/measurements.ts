/**
 * The catalogue of measurements: for each, the shape it belongs to, the worker processes it needs
 * and what they serve, how many nodes it runs, and its driver side.
 */
import type { BenchConfig, ShapeName } from './config.js';
import type { FlowSet, WorkerSystem } from './protocol.js';
import {
  FLOW_NODES,
  benchClient,
  chainHops,
  forEach,
  requestReply,
  runRequests,
} from './shapes/dagflow.js';
import type { BenchFlow } from './shapes/dagflow.js';
import { loadHttp } from './shapes/http.js';
import { inFlight, oneByOne, replyClient } from './shapes/reply.js';
import { quantile } from './stats.js';
import { TREE_NODES, addTrees } from './shapes/flow-producer.js';
import { DIAMOND_NODES, addDiamonds } from './shapes/hand-diamond.js';
import { addRawJobs, rawChainHops } from './shapes/raw.js';
import { CHAIN_HOPS, type LoadContext } from './shapes/shape.js';

/** One measurement of a round. */
export type MeasurementId =
  | 'raw'
  | 'flow-producer'
  | 'hand-diamond'
  | 'fanin'
  | 'diamond'
  | 'two-workers'
  | 'single'
  | 'foreach-raw'
  | 'foreach'
  | 'chain-raw'
  | 'chain'
  | 'reply-bullmq'
  | 'reply'
  | 'latency-bullmq'
  | 'latency'
  | 'http-express'
  | 'http'
  | 'idle-0'
  | 'idle-k';

/** The worker processes the driver forks (once each, on first use). */
export type ProcessName =
  | 'raw'
  | 'flow-producer'
  | 'hand-diamond'
  | 'dagflow'
  | 'dagflow-diamond'
  | 'dagflow-2'
  | 'dagflow-server'
  | 'express-server'
  | `dagflow-idle-${number}`;

/** K of the idle-process row: dagflow processes of the same service that take no part in the load. */
export const IDLE_PROCESSES = 6;

/** What a measurement's driver side answers. */
export interface LoadOutcome {
  readonly ms: number;
  /** Per-hop ms of each chain run (chain shapes only). */
  readonly perHop?: readonly number[];
  /** Latency quantiles of the requests, in ms (request/reply latency and HTTP rows). */
  readonly latency?: { readonly p50: number; readonly p99: number };
  /** Requests answered, where the load counts them (HTTP: 200 answers in its seconds). */
  readonly nodes?: number;
}

/** How to run one measurement. */
export interface Measurement {
  readonly id: MeasurementId;
  readonly shape: ShapeName;
  readonly workers: readonly {
    readonly process: ProcessName;
    readonly system: WorkerSystem;
    readonly flows?: FlowSet;
  }[];
  nodes(config: BenchConfig): number;
  /** Terminal jobs per `terminal` message (BullMQ shapes count their terminal jobs worker-side). */
  terminalBatch(config: BenchConfig): number;
  run(ctx: LoadContext, config: BenchConfig): Promise<LoadOutcome>;
}

const DAGFLOW = [{ process: 'dagflow', system: 'dagflow' }] as const;

/**
 * The diamond has a dagflow process of its own (and the two-process setup adds a second one), so that
 * its peak RSS is the diamond's and not the heap an earlier for-each grew.
 */
function workersOf(id: MeasurementId): Measurement['workers'] {
  const diamond = { process: 'dagflow-diamond', system: 'dagflow' } as const;
  if (id === 'diamond') return [diamond];
  if (id === 'two-workers') return [diamond, { process: 'dagflow-2', system: 'dagflow' }];
  return DAGFLOW;
}

/** A dagflow throughput measurement: `throughputNodes` nodes as requests of `flow`. */
function dagflowRequests(
  id: MeasurementId,
  shape: ShapeName,
  flow: BenchFlow & keyof typeof FLOW_NODES,
): Measurement {
  const requests = (c: BenchConfig): number => Math.round(c.throughputNodes / FLOW_NODES[flow]);
  return {
    id,
    shape,
    workers: workersOf(id),
    nodes: (c) => requests(c) * FLOW_NODES[flow],
    terminalBatch: () => 1,
    run: async (ctx, c) => {
      const client = benchClient(ctx);
      try {
        return { ms: await runRequests(client, flow, requests(c)) };
      } finally {
        await client.close();
      }
    },
  };
}

/** Untimed requests each request/reply load sends first (connections, subscriptions). */
const WARM_REQUESTS = 5;

/** A request/reply load against BullMQ: a `ReplyClient` of the driver, `queue.add` + `waitUntilFinished`. */
async function bullmqReply(
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
async function dagflowReply(
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
const throughputLoad =
  (count: number, c: BenchConfig) =>
  async (send: (i: number) => Promise<unknown>): Promise<LoadOutcome> => ({
    ms: await inFlight(send, count, c.replyInFlight),
  });

/** One request at a time: the p50 and p99 of their latencies. */
const latencyLoad =
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
async function httpLoad(ctx: LoadContext, c: BenchConfig): Promise<LoadOutcome> {
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

const IDLE_WORKERS: Measurement['workers'] = [
  ...DAGFLOW,
  ...Array.from({ length: IDLE_PROCESSES }, (_, i) => ({
    process: `dagflow-idle-${i + 1}` as const,
    system: 'dagflow' as const,
    flows: 'idle' as const,
  })),
];

/** Every measurement, in the order a round starts with. */
export const MEASUREMENTS: readonly Measurement[] = [
  {
    id: 'raw',
    shape: 'raw',
    workers: [{ process: 'raw', system: 'raw' }],
    nodes: (c) => c.throughputNodes,
    terminalBatch: (c) => c.throughputNodes,
    run: async (ctx, c) => ({ ms: await addRawJobs(ctx, c.throughputNodes) }),
  },
  {
    id: 'flow-producer',
    shape: 'flow-producer',
    workers: [{ process: 'flow-producer', system: 'flow-producer' }],
    nodes: (c) => Math.round(c.throughputNodes / TREE_NODES) * TREE_NODES,
    terminalBatch: (c) => Math.round(c.throughputNodes / TREE_NODES),
    run: async (ctx, c) => ({
      ms: await addTrees(ctx, Math.round(c.throughputNodes / TREE_NODES)),
    }),
  },
  {
    id: 'hand-diamond',
    shape: 'hand-diamond',
    workers: [{ process: 'hand-diamond', system: 'hand-diamond' }],
    nodes: (c) => Math.round(c.throughputNodes / DIAMOND_NODES) * DIAMOND_NODES,
    terminalBatch: (c) => Math.round(c.throughputNodes / DIAMOND_NODES),
    run: async (ctx, c) => ({
      ms: await addDiamonds(ctx, Math.round(c.throughputNodes / DIAMOND_NODES)),
    }),
  },
  dagflowRequests('fanin', 'fanin', 'fanin'),
  dagflowRequests('diamond', 'diamond', 'diamond'),
  dagflowRequests('two-workers', 'two-workers', 'diamond'),
  dagflowRequests('single', 'single', 'single'),
  {
    id: 'foreach-raw',
    shape: 'foreach',
    workers: [{ process: 'raw', system: 'raw' }],
    nodes: (c) => c.forEachItems,
    terminalBatch: (c) => c.forEachItems,
    run: async (ctx, c) => ({ ms: await addRawJobs(ctx, c.forEachItems) }),
  },
  {
    id: 'foreach',
    shape: 'foreach',
    workers: DAGFLOW,
    nodes: (c) => c.forEachItems,
    terminalBatch: () => 1,
    run: async (ctx, c) => {
      const client = benchClient(ctx);
      try {
        return { ms: await forEach(client, c.forEachItems) };
      } finally {
        await client.close();
      }
    },
  },
  {
    id: 'chain-raw',
    shape: 'chain',
    workers: [{ process: 'raw', system: 'raw-chain' }],
    nodes: (c) => c.chainRuns * CHAIN_HOPS,
    terminalBatch: () => 1,
    run: async (ctx, c) => {
      const perHop = await rawChainHops(ctx, c.chainRuns);
      return { ms: perHop.reduce((a, b) => a + b, 0) * CHAIN_HOPS, perHop };
    },
  },
  {
    id: 'chain',
    shape: 'chain',
    workers: DAGFLOW,
    nodes: (c) => c.chainRuns * CHAIN_HOPS,
    terminalBatch: () => 1,
    run: async (ctx, c) => {
      const client = benchClient(ctx);
      try {
        const perHop = await chainHops(client, c.chainRuns);
        return { ms: perHop.reduce((a, b) => a + b, 0) * CHAIN_HOPS, perHop };
      } finally {
        await client.close();
      }
    },
  },
  {
    id: 'reply-bullmq',
    shape: 'reply',
    workers: [{ process: 'raw', system: 'raw-reply' }],
    nodes: (c) => c.replyRequests,
    terminalBatch: () => 1,
    run: (ctx, c) => bullmqReply(ctx, throughputLoad(c.replyRequests, c)),
  },
  {
    id: 'reply',
    shape: 'reply',
    workers: DAGFLOW,
    nodes: (c) => c.replyRequests,
    terminalBatch: () => 1,
    run: (ctx, c) => dagflowReply(ctx, throughputLoad(c.replyRequests, c)),
  },
  {
    id: 'latency-bullmq',
    shape: 'reply',
    workers: [{ process: 'raw', system: 'raw-reply' }],
    nodes: (c) => c.latencyRequests,
    terminalBatch: () => 1,
    run: (ctx, c) => bullmqReply(ctx, latencyLoad(c)),
  },
  {
    id: 'latency',
    shape: 'reply',
    workers: DAGFLOW,
    nodes: (c) => c.latencyRequests,
    terminalBatch: () => 1,
    run: (ctx, c) => dagflowReply(ctx, latencyLoad(c)),
  },
  {
    id: 'http-express',
    shape: 'http',
    workers: [
      { process: 'express-server', system: 'express-server' },
      { process: 'raw', system: 'raw-reply' },
    ],
    nodes: () => 0, // the 200 answers the load counted (LoadOutcome.nodes)
    terminalBatch: () => 1,
    run: httpLoad,
  },
  {
    id: 'http',
    shape: 'http',
    workers: [
      { process: 'dagflow-server', system: 'dagflow-server', flows: 'http' },
      { process: 'dagflow', system: 'dagflow', flows: 'http' },
    ],
    nodes: () => 0, // the 200 answers the load counted (LoadOutcome.nodes)
    terminalBatch: () => 1,
    run: httpLoad,
  },
  {
    id: 'idle-0',
    shape: 'idle',
    workers: DAGFLOW,
    nodes: (c) => c.idleRequests,
    terminalBatch: () => 1,
    run: (ctx, c) => dagflowReply(ctx, throughputLoad(c.idleRequests, c)),
  },
  {
    id: 'idle-k',
    shape: 'idle',
    workers: IDLE_WORKERS,
    nodes: (c) => c.idleRequests,
    terminalBatch: () => 1,
    run: (ctx, c) => dagflowReply(ctx, throughputLoad(c.idleRequests, c)),
  },
];
