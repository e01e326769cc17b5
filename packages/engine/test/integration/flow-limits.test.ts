import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { counters, registerLimited } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from './helpers.js';

// Three workers that each run one node at a time could run 3 at once: the flow's limit (2) must
// hold them to 2, and no single process can reach the peak alone.
it('never runs more than the flow concurrency (2) across 3 worker processes', async () => {
  const prefix = prefixFor();
  const count = counters(inject('redisUrl'), prefix);
  const client = newService({ prefix });
  registerLimited(client, count, prefix);
  const one = { WORKER_CONCURRENCY: '1' };
  await Promise.all([spawnWorker(prefix, one), spawnWorker(prefix, one), spawnWorker(prefix, one)]);
  const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => client.execute('limited', i)));
  const results = await Promise.all(
    ids.map((id) => client.waitForResult('limited', id, { timeoutMs: 30_000 })),
  );
  const redis = new Redis(inject('redisUrl'));
  expect(Number(await redis.get(`${prefix}:limited:peak`))).toBe(2);
  expect(Math.max(...(results as number[]))).toBeLessThanOrEqual(2);
  expect(Object.values(await count.all())).toEqual(Array.from({ length: 20 }, () => 1));
  expect((await count.pids()).length).toBeGreaterThanOrEqual(2);
  await redis.quit();
  await count.close();
});
