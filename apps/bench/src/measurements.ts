/**
 * The catalogue of measurements: for each, the shape it belongs to, the worker processes it needs
 * and what they serve, how many nodes it runs, and its driver side.
 */
import type { BenchConfig, ShapeName } from './config.js';
import type { WorkerSystem } from './protocol.js';
import { FLOW_NODES, benchClient, chainHops, forEach, runRequests } from './shapes/dagflow.js';
import type { BenchFlow } from './shapes/dagflow.js';
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
  | 'chain';

/** The worker processes the driver forks (once each, on first use). */
export type ProcessName =
  'raw' | 'flow-producer' | 'hand-diamond' | 'dagflow' | 'dagflow-diamond' | 'dagflow-2';

/** What a measurement's driver side answers. */
export interface LoadOutcome {
  readonly ms: number;
  /** Per-hop ms of each chain run (chain shapes only). */
  readonly perHop?: readonly number[];
}

/** How to run one measurement. */
export interface Measurement {
  readonly id: MeasurementId;
  readonly shape: ShapeName;
  readonly workers: readonly { readonly process: ProcessName; readonly system: WorkerSystem }[];
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
];
