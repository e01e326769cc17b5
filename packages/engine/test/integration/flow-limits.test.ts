import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { counters, registerLimited } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from './helpers.js';

it('never runs more than the flow concurrency (2) across 2 worker processes', async () => {
  const prefix = prefixFor();
  const count = counters(inject('redisUrl'), prefix);
  const client = newService({ prefix });
  registerLimited(client, count, prefix);
  await Promise.all([spawnWorker(prefix), spawnWorker(prefix)]);
  const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => client.execute('limited', i)));
  const results = await Promise.all(
    ids.map((id) => client.waitForResult('limited', id, { timeoutMs: 30_000 })),
  );
  const redis = new Redis(inject('redisUrl'));
  expect(Number(await redis.get(`${prefix}:limited:peak`))).toBe(2);
  expect(Math.max(...(results as number[]))).toBeLessThanOrEqual(2);
  expect(Object.values(await count.all())).toEqual(Array.from({ length: 20 }, () => 1));
  expect((await count.pids()).length).toBe(2);
  await redis.quit();
  await count.close();
});
