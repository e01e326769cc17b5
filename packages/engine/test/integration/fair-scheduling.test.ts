import { expect, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { fairKeys } from '../../src/format/fair-keys.js';
import { newService, prefixFor } from './helpers.js';
import { clientOf, percentile, redisOf, startsOf, twoWorkers } from './fair-helpers.js';

it('serves 20 requests of tenant B before the 5,000 of tenant A queued ahead drain (B p95 wait < 2 s)', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  await twoWorkers(prefix);
  const client = clientOf(prefix, redis);
  const as = await Promise.all(
    Array.from({ length: 5_000 }, () => client.execute('fair', { k: 'A', ms: 5 })),
  );
  const bAt = new Map<string, number>();
  const bs = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const at = Date.now();
      const id = await client.execute('fair', { k: 'B', ms: 5 });
      bAt.set(id, at);
      return id;
    }),
  );
  await Promise.all(bs.map((id) => client.waitForResult('fair', id, { timeoutMs: 30_000 })));
  await Promise.all(as.map((id) => client.waitForResult('fair', id, { timeoutMs: 120_000 })));
  const starts = await startsOf(redis, prefix);
  const aStarts = starts.filter(([, key]) => key === 'A').map(([at]) => at);
  const bStarts = starts.filter(([, key]) => key === 'B');
  expect(aStarts).toHaveLength(5_000);
  expect(bStarts).toHaveLength(20);
  const lastA = Math.max(...aStarts);
  const waits = bStarts.map(([at, , id]) => at - (bAt.get(id) ?? 0));
  const p95 = percentile(waits, 95);
  const drainMs = lastA - Math.min(...aStarts);
  console.log(
    `fair: B p50 wait ${percentile(waits, 50)} ms, p95 ${p95} ms, max ${Math.max(...waits)} ms; A's backlog drained ${lastA - Math.max(...bStarts.map(([at]) => at))} ms after B's last start (A took ${drainMs} ms)`,
  );
  for (const [at] of bStarts) expect(at).toBeLessThan(lastA);
  expect(p95).toBeLessThan(2_000);
}, 180_000);

it('runs every node of a fair chain with a for-each exactly once (executed by a process without its code), and leaves no scheduler key behind', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  await twoWorkers(prefix);
  // Without the flow's code: the workers divert the roots into the scheduler.
  const client = newService({ prefix });
  // The published description shows the option (its functions as 'function').
  const described = (await client.flows()).find((flow) => flow.name === 'fair-min');
  expect(described?.fairness).toEqual({ key: 'function', weight: 'function', min: 5 });
  const ids = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      client.execute('fair-chain', { k: `k${i % 4}`, items: 3, ms: 2 }),
    ),
  );
  const results = await Promise.all(
    ids.map((id) => client.waitForResult('fair-chain', id, { timeoutMs: 60_000 })),
  );
  expect(results).toEqual(Array(200).fill(3));
  const runs = await redis.hgetall(`${prefix}:fair:runs`);
  expect(Object.keys(runs)).toHaveLength(200 * 5);
  expect(new Set(Object.values(runs))).toEqual(new Set(['1']));
  const fair = fairKeys(new Keys(prefix), 'fair-chain');
  // Releases follow the jobs' ends: once all ended the scheduler holds nothing in flight.
  await expect.poll(() => redis.exists(fair.running), { timeout: 5_000 }).toBe(0);
  for (const key of [fair.active, fair.pending, fair.jobs, fair.counts, fair.weights])
    expect(await redis.exists(key)).toBe(0);
  expect(await redis.pttl(fair.meta)).toBeGreaterThan(0);
  // Every job went through the scheduler (its arrival counter counts them).
  expect(Number(await redis.hget(fair.meta, 'seq'))).toBeGreaterThanOrEqual(200 * 5);
}, 120_000);

it('serves keys of weights 3:1 within 10% of 3:1 while both have work', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  await twoWorkers(prefix);
  const client = clientOf(prefix, redis);
  const ids = await Promise.all(
    Array.from({ length: 1_200 }, (_, i) =>
      client.execute('fair', i % 2 === 0 ? { k: 'H', w: 3, ms: 5 } : { k: 'L', w: 1, ms: 5 }),
    ),
  );
  await Promise.all(ids.map((id) => client.waitForResult('fair', id, { timeoutMs: 60_000 })));
  const starts = await startsOf(redis, prefix);
  // H (600) runs out after about 800 starts: count the 600 after the first window's.
  const served = starts.slice(30, 630);
  const h = served.filter(([, key]) => key === 'H').length;
  const ratio = h / (served.length - h);
  console.log(`fair: weights 3:1 served ${h}:${served.length - h} (${ratio.toFixed(2)}:1)`);
  expect(ratio).toBeGreaterThan(2.7);
  expect(ratio).toBeLessThan(3.3);
}, 120_000);

it('keeps 5 nodes of a key with min: 5 in flight while it has work, however small its weight', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  await twoWorkers(prefix);
  const client = clientOf(prefix, redis);
  const as = await Promise.all(
    Array.from({ length: 1_500 }, () => client.execute('fair-min', { k: 'A', ms: 10 })),
  );
  // Weight 0.05 against A's 1: without min it would get one node in 21.
  const ms = await Promise.all(
    Array.from({ length: 150 }, () => client.execute('fair-min', { k: 'M', w: 0.05, ms: 10 })),
  );
  const fair = fairKeys(new Keys(prefix), 'fair-min');
  const samples: number[] = [];
  for (;;) {
    const [[, inFlight], [, pendingM], [, pendingA]] = (await redis
      .multi()
      .hget(fair.counts, 'M')
      .zlexcount(fair.pending, '[1:M|', '[1:M|\xff')
      .zlexcount(fair.pending, '[1:A|', '[1:A|\xff')
      .exec()) as [[null, string | null], [null, number], [null, number]];
    if (pendingM === 0 || pendingA === 0) break;
    samples.push(Number(inFlight ?? 0));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // From the moment M got its 5 (the releases of A's first nodes give them) to its last pending node.
  const held = samples.slice(samples.findIndex((n) => n >= 5));
  console.log(
    `fair: min 5 held in ${held.length} samples, in flight ${Math.min(...held)}..${Math.max(...held)}`,
  );
  expect(held.length).toBeGreaterThan(10);
  expect(Math.min(...held)).toBeGreaterThanOrEqual(5);
  await Promise.all(
    [...as, ...ms].map((id) => client.waitForResult('fair-min', id, { timeoutMs: 60_000 })),
  );
}, 120_000);

it('caps a key with max: 3 at 3 nodes at once, and still serves another key beside it', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  await twoWorkers(prefix);
  const client = clientOf(prefix, redis);
  const ids = await Promise.all(
    Array.from({ length: 120 }, (_, i) =>
      client.execute('fair-max', { k: i % 2 === 0 ? 'X' : 'Y', ms: 30 }),
    ),
  );
  await Promise.all(ids.map((id) => client.waitForResult('fair-max', id, { timeoutMs: 60_000 })));
  expect(await redis.get(`${prefix}:fair:peak:X`)).toBe('3');
  expect(await redis.get(`${prefix}:fair:peak:Y`)).toBe('3');
}, 60_000);

it('gives one key alone every worker slot: its throughput is the plain queue’s within 15%', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  await twoWorkers(prefix);
  const client = clientOf(prefix, redis);
  const timed = async (flow: string, k: string): Promise<number> => {
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: 1_000 }, () => client.execute(flow, { k, ms: 20 })),
    );
    await Promise.all(ids.map((id) => client.waitForResult(flow, id, { timeoutMs: 60_000 })));
    return 1_000 / ((Date.now() - started) / 1_000);
  };
  const plain = await timed('plain', 'P');
  const fair = await timed('fair', 'F');
  console.log(
    `fair: one key ${fair.toFixed(0)} req/s against the plain queue's ${plain.toFixed(0)} (${((fair / plain) * 100).toFixed(0)}%); peak handlers ${await redis.get(`${prefix}:fair:peak:F`)}`,
  );
  // Both process's 10 slots busy at once (work-conserving), and the throughput that follows.
  expect(Number(await redis.get(`${prefix}:fair:peak:F`))).toBeGreaterThanOrEqual(19);
  expect(fair).toBeGreaterThan(plain * 0.85);
}, 120_000);
