import { expect, it } from 'vitest';
import { waitFor } from '@dagflow/test-utils';
import { Keys } from '../../src/format/keys.js';
import { fairKeys } from '../../src/format/fair-keys.js';
import { defineScripts, runScript } from '../../src/store/scripts/scripts.js';
import { spawnFixture, prefixFor } from './helpers.js';
import { clientOf, redisOf, startsOf, twoWorkers } from './fair-helpers.js';

const FAST_RECOVERY = { LOCK_MS: '1500', STALLED_MS: '500' };

it('completes every request once a worker is killed with fair nodes in flight', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  const [first] = await twoWorkers(prefix, FAST_RECOVERY);
  const client = clientOf(prefix, redis);
  const ids = await Promise.all(
    Array.from({ length: 300 }, (_, i) => client.execute('fair', { k: `k${i % 3}`, ms: 200 })),
  );
  await waitFor(async () => (await redis.llen(`${prefix}:fair:starts`)) >= 40);
  await first?.kill();
  const results = await Promise.all(
    ids.map((id) => client.waitForResult('fair', id, { timeoutMs: 60_000 })),
  );
  expect(results.map((result) => (result as { k: string }).k)).toEqual(
    ids.map((_, i) => `k${i % 3}`),
  );
  const runs = await redis.hgetall(`${prefix}:fair:runs`);
  expect(Object.keys(runs)).toHaveLength(300);
  // At least once: the killed worker's nodes ran again elsewhere, no other node twice.
  const again = Object.values(runs).filter((n) => n !== '1').length;
  expect(again).toBeLessThanOrEqual(20);
  const fair = fairKeys(new Keys(prefix), 'fair');
  await waitFor(async () => (await redis.exists(fair.running)) === 0, { timeoutMs: 15_000 });
  expect(await redis.exists(fair.pending)).toBe(0);
}, 120_000);

it('adds again the nodes a process took from the scheduler and died before adding (the reconcile)', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  defineScripts(redis);
  const client = clientOf(prefix, redis);
  // No worker yet: the window is 0, the requests wait in the scheduler.
  const ids = await Promise.all(
    Array.from({ length: 20 }, () => client.execute('fair', { k: 'lost', ms: 1 })),
  );
  const fair = fairKeys(new Keys(prefix), 'fair');
  expect(await redis.zcard(fair.pending)).toBe(20);
  // A process takes 8 in flight and dies before it adds them to BullMQ.
  await redis.hset(fair.meta, 'window', 8);
  const taken = (await runScript(redis, 'fairRelease', Object.values(fair), [
    0,
    0,
    Date.now(),
    60_000,
  ])) as unknown[];
  expect(taken).toHaveLength(1 + 8);
  expect(await redis.hlen(fair.running)).toBe(8);
  const started = Date.now();
  await spawnFixture('fair.mjs', prefix);
  await Promise.all(ids.map((id) => client.waitForResult('fair', id, { timeoutMs: 30_000 })));
  console.log(`fair: 8 lost nodes added again and all 20 done in ${Date.now() - started} ms`);
  expect(await startsOf(redis, prefix)).toHaveLength(20);
  await waitFor(async () => (await redis.exists(fair.running)) === 0, { timeoutMs: 10_000 });
}, 60_000);

it('schedules a for-each of 2,500 items of one request (enqueued in chunks) and runs each item once', async () => {
  const prefix = prefixFor();
  const redis = redisOf();
  await twoWorkers(prefix);
  const client = clientOf(prefix, redis);
  const big = await client.execute('fair-chain', { k: 'big', items: 2_500, ms: 0 });
  const small = await client.execute('fair-chain', { k: 'small', items: 2, ms: 0 });
  expect(await client.waitForResult('fair-chain', small, { timeoutMs: 30_000 })).toBe(2);
  expect(await client.waitForResult('fair-chain', big, { timeoutMs: 60_000 })).toBe(2_500);
  const runs = Object.entries(await redis.hgetall(`${prefix}:fair:runs`));
  expect(runs.filter(([key]) => key.startsWith(`${big}/`))).toHaveLength(2_502);
  expect(runs.filter(([, n]) => n !== '1')).toEqual([]);
}, 90_000);
