/** BullMQ's FlowProducer: trees of one parent and three children, all no-op, in one queue. */
import { FlowProducer, Worker } from 'bullmq';
import { timed } from '../stats.js';
import { bullmqConnection } from '../target.js';
import type { StartSpec } from '../protocol.js';
import { JOB_OPTIONS, type LoadContext, type Served, chunks } from './shape.js';

const QUEUE = 'tree';

/** Nodes of one tree: the parent and its three children. */
export const TREE_NODES = 4;

/** Worker side: processes parents and children; a completed parent is terminal. */
export function serveFlowProducer(spec: StartSpec, onTerminal: () => void): Promise<Served> {
  const connection = bullmqConnection(spec.target);
  const worker = new Worker(QUEUE, () => Promise.resolve(null), {
    connection,
    prefix: spec.prefix,
    concurrency: spec.concurrency,
  });
  worker.on('completed', (job) => {
    if (job.name === 'parent') onTerminal();
  });
  return Promise.resolve({
    async close() {
      await worker.close();
      connection.disconnect();
    },
  });
}

/** Driver side: adds `trees` trees with `FlowProducer.addBulk` (250 a call) and waits for every parent; ms. */
export function addTrees(ctx: LoadContext, trees: number): Promise<number> {
  return timed(async () => {
    const producer = new FlowProducer({ connection: ctx.redis, prefix: ctx.prefix });
    for (const [start, size] of chunks(trees, 250))
      await producer.addBulk(
        Array.from({ length: size }, (_, j) => ({
          name: 'parent',
          queueName: QUEUE,
          data: { i: start + j },
          opts: JOB_OPTIONS,
          children: Array.from({ length: TREE_NODES - 1 }, (__, c) => ({
            name: 'child',
            queueName: QUEUE,
            data: { i: start + j, c },
            opts: JOB_OPTIONS,
          })),
        })),
      );
    await ctx.untilTerminals(1);
    await producer.close();
  });
}
