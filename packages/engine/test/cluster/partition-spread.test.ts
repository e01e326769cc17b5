import { clusterMasters, commandCalls, resetCommandStats } from '@dagflow/test-utils';
import { expect, inject, it } from 'vitest';
import { counters, registerTestFlows } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from '../integration/helpers.js';

/** The test's own commands: run counting (one hash), the stats reads, cluster topology. */
const BOOKKEEPING = [
  'hincrby',
  'info',
  'config',
  'cluster',
  'ping',
  'client',
  'command',
  'hgetall',
];

it('spreads one flow over 3 partitions: 1,000 diamonds exactly once, each master within 25% of the mean', async () => {
  const seeds = inject('redisClusterNodes') ?? '';
  const seedPort = Number(seeds.split(',')[0]?.split(':')[1]);
  const masters = await clusterMasters(seedPort);
  expect(masters).toHaveLength(3);
  const prefix = prefixFor();
  const count = counters(inject('redisUrl'), prefix, inject('redisClusterNodes'));
  const client = newService({ prefix, partitions: 3 });
  registerTestFlows(client, count);
  const workers = await Promise.all([
    spawnWorker(prefix, { DAGFLOW_PARTITIONS: '3' }),
    spawnWorker(prefix, { DAGFLOW_PARTITIONS: '3' }),
  ]);
  await Promise.all(masters.map(({ port }) => resetCommandStats(port)));

  const ids = await Promise.all(
    Array.from({ length: 1_000 }, (_, i) => client.execute('diamond', i)),
  );
  const results = await Promise.all(
    ids.map((id) => client.waitForResult('diamond', id, { timeoutMs: 90_000 })),
  );
  const calls = await Promise.all(masters.map(({ port }) => commandCalls(port, BOOKKEEPING)));

  results.forEach((result, i) =>
    expect(result).toEqual({ joined: { B: (i + 1) * 2, C: (i + 1) * 3 } }),
  );
  const runs = await count.all();
  expect(Object.keys(runs)).toHaveLength(4_000);
  expect(Object.values(runs).every((n) => n === 1)).toBe(true);
  expect((await count.pids()).sort()).toEqual(workers.map((w) => w.pid).sort());
  const mean = calls.reduce((a, b) => a + b, 0) / calls.length;
  console.info(`commands per master: ${calls.join(', ')} (mean ${Math.round(mean)})`);
  for (const n of calls) expect(Math.abs(n - mean) / mean).toBeLessThanOrEqual(0.25);
  await count.close();
});
