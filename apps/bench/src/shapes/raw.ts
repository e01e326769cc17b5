/**
 * Raw BullMQ, the reference: no-op jobs added with `addBulk` and processed by one worker, and a chain
 * where each job's processor adds the next job.
 */
import { Queue, Worker } from 'bullmq';
import { timed } from '../stats.js';
import { bullmqConnection } from '../target.js';
import type { StartSpec } from '../protocol.js';
import { CHAIN_HOPS, JOB_OPTIONS, type LoadContext, type Served, chunks } from './shape.js';

const NOOP_QUEUE = 'noop';
const CHAIN_QUEUE = 'chain';

/** Worker side of the no-op jobs: every completed job is terminal. */
export function serveRaw(spec: StartSpec, onTerminal: () => void): Promise<Served> {
  const connection = bullmqConnection(spec.target);
  const worker = new Worker(NOOP_QUEUE, () => Promise.resolve(null), {
    connection,
    prefix: spec.prefix,
    concurrency: spec.concurrency,
  });
  worker.on('completed', onTerminal);
  return Promise.resolve({
    async close() {
      await worker.close();
      connection.disconnect();
    },
  });
}

/** Driver side: adds `count` no-op jobs in bulks of 1,000 and waits until all are processed; ms. */
export function addRawJobs(ctx: LoadContext, count: number): Promise<number> {
  return timed(async () => {
    const queue = new Queue(NOOP_QUEUE, { connection: ctx.redis, prefix: ctx.prefix });
    for (const [start, size] of chunks(count, 1_000))
      await queue.addBulk(
        Array.from({ length: size }, (_, j) => ({
          name: 'noop',
          data: { i: start + j },
          opts: JOB_OPTIONS,
        })),
      );
    await ctx.untilTerminals(1);
    await queue.close();
  });
}

/** Worker side of the chain: each hop's processor adds the next hop; the last hop is terminal. */
export function serveRawChain(spec: StartSpec, onTerminal: () => void): Promise<Served> {
  const hops = CHAIN_HOPS;
  const connection = bullmqConnection(spec.target);
  const queue = new Queue(CHAIN_QUEUE, { connection, prefix: spec.prefix });
  const worker = new Worker<{ hop: number; run: number }>(
    CHAIN_QUEUE,
    async (job) => {
      const next = job.data.hop + 1;
      if (next < hops) await queue.add('hop', { hop: next, run: job.data.run }, JOB_OPTIONS);
    },
    { connection, prefix: spec.prefix, concurrency: spec.concurrency },
  );
  worker.on('completed', (job) => {
    if (job.data.hop + 1 === hops) onTerminal();
  });
  return Promise.resolve({
    async close() {
      await worker.close();
      await queue.close();
      connection.disconnect();
    },
  });
}

/** Driver side of the chain: `runs` chains one after the other; answers each run's per-hop ms. */
export async function rawChainHops(ctx: LoadContext, runs: number): Promise<number[]> {
  const hops = CHAIN_HOPS;
  const queue = new Queue(CHAIN_QUEUE, { connection: ctx.redis, prefix: ctx.prefix });
  const perHop: number[] = [];
  for (let run = 0; run < runs; run++) {
    const ms = await timed(async () => {
      await queue.add('hop', { hop: 0, run }, JOB_OPTIONS);
      await ctx.untilTerminals(run + 1);
    });
    perHop.push(ms / hops);
  }
  await queue.close();
  return perHop;
}
