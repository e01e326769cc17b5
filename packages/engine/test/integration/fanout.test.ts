import { Redis } from 'ioredis';
import { waitFor } from '@dagflow/test-utils';
import { expect, inject, it } from 'vitest';
import { counters, registerFanout } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from './helpers.js';

const FAST_RECOVERY = { LOCK_MS: '1500', STALLED_MS: '500', WORKER_CONCURRENCY: '20' };

it('completes a for-each of 200 items when a worker is killed with SIGKILL in the middle', async () => {
  const prefix = prefixFor();
  const count = counters(inject('redisUrl'), prefix);
  const client = newService({ prefix });
  registerFanout(client, count);
  const [victim] = await Promise.all([
    spawnWorker(prefix, FAST_RECOVERY),
    spawnWorker(prefix, FAST_RECOVERY),
  ]);
  const id = await client.execute('fanout', 200);
  await waitFor(async () => Object.keys(await count.all()).length >= 60, { timeoutMs: 20_000 });
  await victim?.kill();

  expect(await client.waitForResult('fanout', id, { timeoutMs: 45_000 })).toEqual({
    items: 200,
    sum: 199 * 200,
  });
  const counts = await count.all();
  expect(counts[`${id}/summary`]).toBe(1);
  const workRuns = Object.entries(counts).filter(([key]) => key.endsWith('/work'));
  expect(workRuns).toHaveLength(200);
  // At least once: only items that were running in the killed worker (its concurrency) ran twice.
  const repeats = workRuns.filter(([, n]) => n > 1);
  expect(repeats.every(([, n]) => n === 2)).toBe(true);
  expect(repeats.length).toBeLessThanOrEqual(20);
  const state = await client.state('fanout', id);
  const items = Object.entries(state.nodes).filter(([path]) => path.endsWith('/work'));
  expect(items).toHaveLength(200);
  expect(items.every(([, node]) => node.status === 'completed')).toBe(true);
  expect(state.nodes['items']).toMatchObject({ status: 'completed' });
  await count.close();
});

it('completes a for-each of 10,000 items and frees its Redis memory after the retention period', async () => {
  const prefix = prefixFor();
  const service = newService({ prefix, workerConcurrency: 50, retention: { completedMs: 4_000 } });
  service.register('wide', (dag) => {
    dag
      .forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), i])),
      )
      .node('inc', (i: number) => i + 1);
    dag.node('total', (outputs: Record<string, number>) =>
      Object.values(outputs).reduce((a, b) => a + b, 0),
    );
    dag.edge('each', 'total');
  });
  await service.startWorker();
  const started = Date.now();
  const id = await service.execute('wide', 10_000);
  expect(await service.waitForResult('wide', id, { timeoutMs: 60_000 })).toBe(
    (10_000 * 10_001) / 2,
  );
  const elapsed = Date.now() - started;
  const state = await service.state('wide', id);
  expect(state.nodes['each']?.picked).toHaveLength(10_000);

  const redis = new Redis(inject('redisUrl'));
  const keysOf = async (): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  };
  expect((await keysOf()).some((key) => key.includes(id))).toBe(true);
  await waitFor(async () => !(await keysOf()).some((key) => key.includes(id)), {
    timeoutMs: 15_000,
  });
  // BullMQ keeps no job of the request either (removeOnComplete); only queue bookkeeping keys remain.
  expect(
    (await keysOf()).filter(
      (key) => /:\{wide\}:[^:]+$/.test(key) && !/:(meta|events|id|stalled-check|marker)$/.test(key),
    ),
  ).toEqual([]);
  await redis.quit();
  expect(elapsed).toBeLessThan(60_000);
});
