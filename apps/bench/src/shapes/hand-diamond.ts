/**
 * The diamond A -> B, A -> C, B + C -> D as a BullMQ user writes it by hand: A's processor adds B and
 * C; B and C each INCR a join counter, and the one that reaches 2 adds D. Not crash-safe (a crash
 * between the INCR and the add loses D), which is the point of comparing it with dagflow.
 */
import { Queue, Worker } from 'bullmq';
import { timed } from '../stats.js';
import { bullmqConnection } from '../target.js';
import type { StartSpec } from '../protocol.js';
import { JOB_OPTIONS, type LoadContext, type Served, chunks } from './shape.js';

const QUEUE = 'diamond';

/** Nodes of one diamond. */
export const DIAMOND_NODES = 4;

/** Worker side: runs A, B, C and D; a completed D is terminal. */
export function serveHandDiamond(spec: StartSpec, onTerminal: () => void): Promise<Served> {
  const connection = bullmqConnection(spec.target);
  const queue = new Queue(QUEUE, { connection, prefix: spec.prefix });
  const worker = new Worker<{ id: number }>(
    QUEUE,
    async (job) => {
      const data = { id: job.data.id };
      if (job.name === 'A') {
        await queue.addBulk([
          { name: 'B', data, opts: JOB_OPTIONS },
          { name: 'C', data, opts: JOB_OPTIONS },
        ]);
      } else if (job.name === 'B' || job.name === 'C') {
        const join = `${spec.prefix}:join:${data.id}`;
        if ((await connection.incr(join)) === 2)
          await Promise.all([queue.add('D', data, JOB_OPTIONS), connection.del(join)]);
      }
      return data;
    },
    { connection, prefix: spec.prefix, concurrency: spec.concurrency },
  );
  worker.on('completed', (job) => {
    if (job.name === 'D') onTerminal();
  });
  return Promise.resolve({
    async close() {
      await worker.close();
      await queue.close();
      connection.disconnect();
    },
  });
}

/** Driver side: adds `diamonds` A jobs in bulks of 1,000 and waits for every D; ms. */
export function addDiamonds(ctx: LoadContext, diamonds: number): Promise<number> {
  return timed(async () => {
    const queue = new Queue(QUEUE, { connection: ctx.redis, prefix: ctx.prefix });
    for (const [start, size] of chunks(diamonds, 1_000))
      await queue.addBulk(
        Array.from({ length: size }, (_, j) => ({
          name: 'A',
          data: { id: start + j },
          opts: JOB_OPTIONS,
        })),
      );
    await ctx.untilTerminals(1);
    await queue.close();
  });
}
