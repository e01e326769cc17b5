/**
 * The stream shape (T3-6): one node emits 100-byte chunks (`ctx.emit`) and the driver reads them with
 * `FlowClient.stream`. Throughput: as many chunks as the node can emit with 2,048 emits outstanding,
 * to one reader. Latency: one chunk every 2 ms, each carrying its emit time; the reader takes the
 * difference (the two processes share the machine's clock). Memory: Redis `used_memory` after the
 * stream ended, over before it began, per 1,000 chunks.
 */
import { FlowClient, type FlowService } from '@dagflow/engine';
import type { Redis } from 'ioredis';
import { quantile } from '../stats.js';
import type { LoadOutcome } from './reply-loads.js';
import { engineConnection } from '../target.js';
import type { LoadContext } from './shape.js';

/** Bytes of each chunk as stored (a JSON string of 98 characters and its quotes). */
export const CHUNK_BYTES = 100;
/**
 * Emits the throughput node keeps outstanding (each awaited before its slot is used again): a few
 * batches' worth, so that the next batch is made while Redis stores the one before.
 */
const WINDOW = 2_048;
/** The latency load's gap between emits. */
const PACE_MS = 2;

/** What the node of flow `stream` is asked to emit. */
interface StreamInput {
  readonly count: number;
  /** 0: as fast as the window allows; else one emit, awaited, every `paceMs`. */
  readonly paceMs: number;
}

const now = (): number => performance.timeOrigin + performance.now();
const chunkOf = (): string =>
  now()
    .toFixed(3)
    .padEnd(CHUNK_BYTES - 2, '.');

/** Registers flow `stream` (one node `talk`, see {@link StreamInput}). */
export function registerStreamFlow(service: FlowService): void {
  service.register('stream', (dag) =>
    dag.node('talk', async ({ count, paceMs }: StreamInput, ctx) => {
      if (paceMs > 0) {
        for (let i = 0; i < count; i++) {
          await ctx.emit(chunkOf());
          await new Promise((resolve) => setTimeout(resolve, paceMs));
        }
        return count;
      }
      const ring: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const slot = i % WINDOW;
        if (ring[slot] !== undefined) await ring[slot];
        ring[slot] = ctx.emit(chunkOf());
      }
      await Promise.all(ring);
      return count;
    }),
  );
}

/** The driver's client for one measurement (as the dagflow shapes' `benchClient`). */
function streamClient(ctx: LoadContext): FlowClient {
  return new FlowClient({ ...engineConnection(ctx.target), prefix: ctx.prefix, logLevel: 'warn' });
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? Number.NaN);
}

/**
 * One request emitting `count` chunks as fast as it can, read by one reader: ms from execute to the
 * last chunk read, the chunks read, and Redis memory per 1,000 chunks.
 */
export async function streamThroughput(ctx: LoadContext, count: number): Promise<LoadOutcome> {
  const client = streamClient(ctx);
  try {
    const before = await usedMemory(ctx.redis);
    const started = performance.now();
    const id = await client.execute('stream', { count, paceMs: 0 } satisfies StreamInput);
    let read = 0;
    for await (const chunk of client.stream('stream', id)) if (chunk.node === 'talk') read++;
    const ms = performance.now() - started;
    const after = await usedMemory(ctx.redis);
    return { ms, nodes: read, memoryPer1000: ((after - before) / read) * 1000 };
  } finally {
    await client.close();
  }
}

/** One request emitting `count` chunks 2 ms apart: emit-to-reader latency quantiles. */
export async function streamLatency(ctx: LoadContext, count: number): Promise<LoadOutcome> {
  const client = streamClient(ctx);
  try {
    const started = performance.now();
    const id = await client.execute('stream', { count, paceMs: PACE_MS } satisfies StreamInput);
    const samples: number[] = [];
    for await (const chunk of client.stream('stream', id))
      samples.push(now() - Number.parseFloat(String(chunk.data)));
    return {
      ms: performance.now() - started,
      nodes: samples.length,
      latency: { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) },
    };
  } finally {
    await client.close();
  }
}
