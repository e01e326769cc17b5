import { Redis } from 'ioredis';
import { afterEach, expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { registerFairFlows } from '../fixtures/fair-flows.mjs';
import { newService, prefixFor, spawnFixture } from './helpers.js';

const redises: Redis[] = [];
afterEach(async () => {
  await Promise.all(redises.splice(0).map((redis) => redis.quit()));
});

function redisOf(): Redis {
  const redis = new Redis(inject('redisUrl'));
  redises.push(redis);
  return redis;
}

/** The handler starts the fixture recorded: `[ms, key, request id]`, in start order. */
async function startsOf(redis: Redis, prefix: string): Promise<[number, string, string][]> {
  return (await redis.lrange(`${prefix}:fair:starts`, 0, -1))
    .map((entry) => entry.split(':'))
    .map(([at, key, id]): [number, string, string] => [Number(at), key ?? '', id ?? ''])
    .sort((a, b) => a[0] - b[0]);
}

/** Two worker processes of the fair fixture, 10 slots each (a window of 30 with the headroom). */
async function twoWorkers(prefix: string, env: Record<string, string> = {}): Promise<void> {
  await Promise.all([spawnFixture('fair.mjs', prefix, env), spawnFixture('fair.mjs', prefix, env)]);
}

/** A client that registered the fair flows: its executes compute the key and go to the scheduler. */
function clientOf(prefix: string, redis: Redis) {
  const client = newService({ prefix });
  registerFairFlows(client, redis, prefix);
  return client;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

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
  const ids = await Promise.all(
    Array.from({ length: 200 }, (_, i) => client.execute('fair-chain', { k: `k${i % 4}`, items: 3, ms: 2 })),
  );
  const results = await Promise.all(
    ids.map((id) => client.waitForResult('fair-chain', id, { timeoutMs: 60_000 })),
  );
  expect(results).toEqual(Array(200).fill(3));
  const runs = await redis.hgetall(`${prefix}:fair:runs`);
  expect(Object.keys(runs)).toHaveLength(200 * 5);
  expect(new Set(Object.values(runs))).toEqual(new Set(['1']));
  const fair = new Keys(prefix).fair('fair-chain');
  // Releases follow the jobs' ends: once all ended the scheduler holds nothing in flight.
  await expect.poll(() => redis.exists(fair.running), { timeout: 5_000 }).toBe(0);
  for (const key of [fair.active, fair.pending, fair.jobs, fair.counts, fair.weights])
    expect(await redis.exists(key)).toBe(0);
  expect(await redis.pttl(fair.meta)).toBeGreaterThan(0);
  // Every job went through the scheduler (its arrival counter counts them).
  expect(Number(await redis.hget(fair.meta, 'seq'))).toBeGreaterThanOrEqual(200 * 5);
}, 120_000);
