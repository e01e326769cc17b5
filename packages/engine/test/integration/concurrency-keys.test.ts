import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { waitFor } from '@dagflow/test-utils';
import { newService, prefixFor, spawnFixture } from './helpers.js';

it('runs at most 1 request per key across 2 worker processes; all 20 complete', async () => {
  const prefix = prefixFor();
  await Promise.all([
    spawnFixture('scheduling.mjs', prefix),
    spawnFixture('scheduling.mjs', prefix),
  ]);
  const client = newService({ prefix });
  const customers = ['a', 'b', 'c', 'd'];
  const ids = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      client.execute('keyed', { customer: customers[i % 4], ms: 150 }),
    ),
  );
  const results = await Promise.all(
    ids.map((id) => client.waitForResult('keyed', id, { timeoutMs: 60_000 })),
  );
  expect(results).toEqual(Array.from({ length: 20 }, (_, i) => customers[i % 4]));
  const redis = new Redis(inject('redisUrl'));
  const peak = await redis.hgetall(`${prefix}:keyed:peak`);
  expect({ a: peak['a'], b: peak['b'], c: peak['c'], d: peak['d'] }).toEqual({
    a: '1',
    b: '1',
    c: '1',
    d: '1',
  });
  // Keys do not hold each other up: requests of different keys ran at the same time.
  expect(Number(peak['*'])).toBeGreaterThan(1);
  const pids = new Set(
    (await redis.lrange(`${prefix}:keyed:pids`, 0, -1)).map((e) => e.split(':')[1]),
  );
  expect(pids.size).toBe(2);
  // No slot is left taken, nobody is left waiting.
  for (const c of customers) {
    expect(await redis.zcard(`${prefix}:ck:{keyed}:${c}:run`)).toBe(0);
    expect(await redis.zcard(`${prefix}:ck:{keyed}:${c}:wait`)).toBe(0);
  }
  await redis.quit();
});

it('shows a waiting request as pending with waitingForKey; stopping it or the holder frees the key', async () => {
  const prefix = prefixFor();
  await spawnFixture('scheduling.mjs', prefix);
  const client = newService({ prefix });
  const holder = await client.execute('keyed', { customer: 'k', ms: 60_000 });
  await waitFor(async () => (await client.state('keyed', holder)).status === 'running');
  const waiting = await client.execute('keyed', { customer: 'k', ms: 10 });
  const next = await client.execute('keyed', { customer: 'k', ms: 10 });
  await waitFor(async () => (await client.state('keyed', next)).waitingForKey === 'k');
  expect(await client.state('keyed', waiting)).toMatchObject({
    status: 'pending',
    waitingForKey: 'k',
  });
  await client.stop('keyed', waiting); // its place in the queue goes, no slot leaks
  await client.stop('keyed', holder); // its slot goes to the next in line
  await expect(client.waitForResult('keyed', next, { timeoutMs: 10_000 })).resolves.toBe('k');
  expect((await client.state('keyed', next)).waitingForKey).toBeUndefined();
  const redis = new Redis(inject('redisUrl'));
  expect(await redis.zcard(`${prefix}:ck:{keyed}:k:run`)).toBe(0);
  expect(await redis.zcard(`${prefix}:ck:{keyed}:k:wait`)).toBe(0);
  await redis.quit();
});

it('frees the key of a SIGKILLed worker: stalled recovery ends its request, the waiting ones complete', async () => {
  const prefix = prefixFor();
  const fast = { LOCK_MS: '1000', STALLED_MS: '500' };
  const doomed = await spawnFixture('scheduling.mjs', prefix, fast);
  const client = newService({ prefix });
  const holder = await client.execute('keyed', { customer: 'z', ms: 1_500 });
  await waitFor(async () => (await client.state('keyed', holder)).status === 'running');
  const waiters = await Promise.all(
    [1, 2, 3].map(() => client.execute('keyed', { customer: 'z', ms: 50 })),
  );
  await waitFor(async () => (await client.state('keyed', waiters[2] ?? '')).waitingForKey === 'z');
  await doomed.kill();
  await spawnFixture('scheduling.mjs', prefix, fast);
  const all = [holder, ...waiters];
  await expect(
    Promise.all(all.map((id) => client.waitForResult('keyed', id, { timeoutMs: 30_000 }))),
  ).resolves.toEqual(['z', 'z', 'z', 'z']);
  const redis = new Redis(inject('redisUrl'));
  expect(await redis.zcard(`${prefix}:ck:{keyed}:z:run`)).toBe(0);
  await redis.quit();
});

it('takes the key of a flow defined as data from its keyPath, and publishes it', async () => {
  const prefix = prefixFor();
  const service = newService({ prefix });
  const release: (() => void)[] = [];
  service.operation(
    'hold',
    (input) => new Promise((resolve) => release.push(() => resolve(input))),
  );
  service.registerDefinition({
    name: 'declared',
    concurrency: { keyPath: 'account.id', limit: 1 },
    nodes: [{ id: 'hold', op: 'hold' }],
  });
  await service.startWorker();
  const first = await service.execute('declared', { account: { id: 'acme' } });
  await waitFor(() => release.length === 1);
  const second = await service.execute('declared', { account: { id: 'acme' } });
  const other = await service.execute('declared', { account: { id: 'initech' } });
  await waitFor(async () => (await service.state('declared', second)).waitingForKey === 'acme');
  await waitFor(() => release.length === 2); // another key runs meanwhile
  release.splice(0).forEach((resolve) => resolve());
  await waitFor(() => release.length === 1); // the second got the freed slot
  release.splice(0).forEach((resolve) => resolve());
  for (const id of [first, second, other]) await service.waitForResult('declared', id);
  const [info] = await newService({ prefix }).flows(); // a client reads it from the registry
  expect(info?.concurrency).toEqual({ keyPath: 'account.id', limit: 1 });
});
