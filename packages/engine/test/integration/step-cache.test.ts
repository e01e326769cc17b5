import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The runs of the cached handler, as `<pid>:<key>`. */
async function runsOf(prefix: string): Promise<string[]> {
  const redis = new Redis(inject('redisUrl'));
  try {
    return await redis.lrange(`${prefix}:cached:runs`, 0, -1);
  } finally {
    await redis.quit();
  }
}

it('runs the handler once for 100 concurrent requests of one key across 2 worker processes; again after ttlMs', async () => {
  const prefix = prefixFor();
  const env = { CACHE_TTL_MS: '1500' };
  await Promise.all([
    spawnFixture('fairness.mjs', prefix, env),
    spawnFixture('fairness.mjs', prefix, env),
  ]);
  const client = newService({ prefix });
  const ids = await Promise.all(
    Array.from({ length: 100 }, () => client.execute('cached', { k: 'one', ms: 300 })),
  );
  const results = await Promise.all(
    ids.map((id) => client.waitForResult('cached', id, { timeoutMs: 30_000 })),
  );
  expect(new Set(results)).toEqual(new Set(['one:1']));
  expect(await runsOf(prefix)).toHaveLength(1);
  const states = await Promise.all(ids.map((id) => client.state('cached', id)));
  const cached = states.filter((state) => state.nodes['lookup']?.cached === true);
  expect(cached).toHaveLength(99);
  // A fresh output is taken as it is; after ttlMs the handler runs again.
  expect(await client.waitForResult('cached', await client.execute('cached', { k: 'one' }))).toBe(
    'one:1',
  );
  await sleep(1_600);
  expect(await client.waitForResult('cached', await client.execute('cached', { k: 'one' }))).toBe(
    'one:2',
  );
  // Another key has its own output.
  expect(await client.waitForResult('cached', await client.execute('cached', { k: 'two' }))).toBe(
    'two:3',
  );
});

it('does not leave the waiting requests hanging when the leading attempt fails: one of them runs', async () => {
  const prefix = prefixFor();
  await Promise.all([spawnFixture('fairness.mjs', prefix), spawnFixture('fairness.mjs', prefix)]);
  const client = newService({ prefix });
  const ids = await Promise.all(
    Array.from({ length: 20 }, () =>
      client.execute('cached', { k: 'f', ms: 300, failFirst: true }),
    ),
  );
  const outcomes = await Promise.all(
    ids.map((id) =>
      client.waitForResult('cached', id, { timeoutMs: 20_000 }).then(
        (value) => ({ value }),
        (error: Error) => ({ error: error.message }),
      ),
    ),
  );
  const errors = outcomes.filter((o) => 'error' in o) as { error: string }[];
  expect(errors).toHaveLength(1);
  expect(errors[0]?.error).toMatch(/first run of f fails/);
  expect(new Set(outcomes.filter((o) => 'value' in o).map((o) => o.value))).toEqual(
    new Set(['f:2']),
  );
  expect(await runsOf(prefix)).toHaveLength(2);
});

it('counts hits and misses per flow and node, and marks the cached node in the state', async () => {
  const prefix = prefixFor();
  const service = newService({ prefix });
  let runs = 0;
  service.register('lookup', (dag) =>
    dag.node('get', (input: { id: string }) => ({ id: input.id, run: ++runs }), {
      cache: { key: (input: { id: string }) => input.id, ttlMs: 60_000 },
    }),
  );
  await service.startWorker();
  const first = await service.execute('lookup', { id: 'u1' });
  expect(await service.waitForResult('lookup', first)).toEqual({ id: 'u1', run: 1 });
  const second = await service.execute('lookup', { id: 'u1' });
  expect(await service.waitForResult('lookup', second)).toEqual({ id: 'u1', run: 1 });
  expect((await service.state('lookup', first)).nodes['get']?.cached).toBeUndefined();
  expect((await service.state('lookup', second)).nodes['get']).toMatchObject({
    status: 'completed',
    cached: true,
  });
  const text = await service.metrics();
  expect(text).toContain('dagflow_cache_hits_total{flow="lookup",node="get"} 1');
  expect(text).toContain('dagflow_cache_misses_total{flow="lookup",node="get"} 1');
  const redis = new Redis(inject('redisUrl'));
  const [key] = await redis.keys(`${prefix}:cache:{lookup}:get:*`);
  expect(await redis.pttl(key ?? '')).toBeGreaterThan(59_000);
  await redis.quit();
});
