/**
 * The driver side of the stream shape (T3-6; the flow is in `stream-flow.ts`): one node emits 100-byte chunks (`ctx.emit`) and the driver reads them with
 * `FlowClient.stream`. Throughput: as many chunks as the node can emit with 2,048 emits outstanding,
 * to one reader. Latency: one chunk every 2 ms, each carrying its emit time; the reader takes the
 * difference (the two processes share the machine's clock). Memory: Redis `used_memory` after the
 * stream ended, over before it began, per 1,000 chunks.
 */
import type { Redis } from 'ioredis';
import { quantile } from '../stats.js';
import { benchClient } from './dagflow.js';
import type { LoadOutcome } from './reply-loads.js';
import type { LoadContext } from './shape.js';
import { PACE_MS, type StreamInput, now } from './stream-flow.js';

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? Number.NaN);
}

/**
 * One request emitting `count` chunks as fast as it can, read by one reader: ms from execute to the
 * last chunk read, the chunks read, and Redis memory per 1,000 chunks.
 */
export async function streamThroughput(ctx: LoadContext, count: number): Promise<LoadOutcome> {
  const client = benchClient(ctx);
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
  const client = benchClient(ctx);
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
