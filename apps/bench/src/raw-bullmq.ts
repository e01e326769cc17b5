import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { timed } from './stats.js';

const PREFIX = 'bench-raw';

/** Adds `count` no-op jobs in bulk and processes them with one worker; answers the elapsed ms. */
export async function rawThroughput(
  redis: Redis,
  count: number,
  concurrency: number,
): Promise<number> {
  const queue = new Queue(`noop-${count}-${Date.now()}`, { connection: redis, prefix: PREFIX });
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker(queue.name, () => Promise.resolve(null), {
    connection: redis,
    prefix: PREFIX,
    concurrency,
  });
  worker.on('completed', () => {
    if (++done === count) finish();
  });
  const elapsed = await timed(async () => {
    for (let i = 0; i < count; i += 1_000) {
      const size = Math.min(1_000, count - i);
      await queue.addBulk(
        Array.from({ length: size }, (_, j) => ({
          name: 'noop',
          data: { i: i + j },
          opts: { removeOnComplete: true },
        })),
      );
    }
    await finished;
  });
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return elapsed;
}

/** A chain of `hops` jobs where each job's processor adds the next; answers per-hop ms per run. */
export async function rawChain(redis: Redis, hops: number, runs: number): Promise<number[]> {
  const queue = new Queue(`chain-${Date.now()}`, { connection: redis, prefix: PREFIX });
  let finish: () => void = () => undefined;
  const worker = new Worker<{ hop: number; run: number }>(
    queue.name,
    async (job) => {
      if (job.data.hop + 1 < hops)
        await queue.add(
          'hop',
          { hop: job.data.hop + 1, run: job.data.run },
          { removeOnComplete: true },
        );
      else finish();
    },
    { connection: redis, prefix: PREFIX, concurrency: 50 },
  );
  const perHop: number[] = [];
  for (let run = 0; run < runs; run++) {
    const finished = new Promise<void>((resolve) => (finish = resolve));
    perHop.push(
      (await timed(async () => {
        await queue.add('hop', { hop: 0, run }, { removeOnComplete: true });
        await finished;
      })) / hops,
    );
  }
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return perHop;
}
