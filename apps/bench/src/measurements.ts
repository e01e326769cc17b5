/**
 * The catalogue of measurements: for each, the shape it belongs to, the worker processes it needs
 * and what they serve, how many nodes it runs, and its driver side.
 */
import type { BenchConfig, ShapeName } from './config.js';
import type { FlowSet, WorkerSystem } from './protocol.js';
import { FLOW_NODES, benchClient, chainHops, forEach, runRequests } from './shapes/dagflow.js';
import type { BenchFlow } from './shapes/dagflow.js';
import {
  type LoadOutcome,
  bullmqReply,
  dagflowReply,
  httpLoad,
  latencyLoad,
  throughputLoad,
} from './shapes/reply-loads.js';
import { TREE_NODES, addTrees } from './shapes/flow-producer.js';
import { DIAMOND_NODES, addDiamonds } from './shapes/hand-diamond.js';
import { addRawJobs, rawChainHops } from './shapes/raw.js';
import { CHAIN_HOPS, type LoadContext } from './shapes/shape.js';
import { streamLatency, streamThroughput } from './shapes/stream.js';
import { fairMeasurements } from './shapes/fair-shape.js';

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
  | 'idle-k'
  | 'stream'
  | 'stream-latency'
  | 'fair-plain'
  | 'fair'
  | 'fair-keyed';

/** The worker processes the driver forks (once each, on first use). */
export type ProcessName =
  | 'raw'
  | 'flow-producer'
  | 'hand-diamond'
  | 'dagflow'
  | 'dagflow-diamond'
  | 'dagflow-2'
  | 'dagflow-fair'
  | 'dagflow-server'
  | 'express-server'
  | `dagflow-idle-${number}`;

/** K of the idle-process row: dagflow processes of the same service that take no part in the load. */
export const IDLE_PROCESSES = 6;

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
  {
    id: 'stream',
    shape: 'stream',
    workers: DAGFLOW,
    nodes: (c) => c.streamChunks,
    terminalBatch: () => 1,
    run: (ctx, c) => streamThroughput(ctx, c.streamChunks),
  },
  {
    id: 'stream-latency',
    shape: 'stream',
    workers: DAGFLOW,
    nodes: (c) => c.streamLatencyChunks,
    terminalBatch: () => 1,
    run: (ctx, c) => streamLatency(ctx, c.streamLatencyChunks),
  },
  ...fairMeasurements(),
];
