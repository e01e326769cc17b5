import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { waitFor } from '@dagflow/test-utils';
import { newService, prefixFor, spawnFixture } from './helpers.js';

/** The runs of the rated flow's handler, as `[start ms, key]`. */
async function runsOf(prefix: string): Promise<[number, string][]> {
  const redis = new Redis(inject('redisUrl'));
  try {
    return (await redis.lrange(`${prefix}:rated:runs`, 0, -1)).map((entry) => {
      const [at, key] = entry.split(':');
      return [Number(at), key ?? ''];
    });
  } finally {
    await redis.quit();
  }
}

it('runs 50 ± 2 requests of key X in 5 s at 10/s across 2 worker processes; key Y is not slowed', async () => {
  const prefix = prefixFor();
  await Promise.all([spawnFixture('fairness.mjs', prefix), spawnFixture('fairness.mjs', prefix)]);
  const client = newService({ prefix });
  const xs = await Promise.all(
    Array.from({ length: 70 }, () => client.execute('rated', { k: 'X' })),
  );
  const started = Date.now();
  // A limited request waits without failing an attempt, its root node waiting with the reason.
  await waitFor(async () =>
    (await Promise.all(xs.slice(-10).map((id) => client.state('rated', id)))).some(
      (state) => state.nodes['work']?.reason === 'RATE_LIMITED',
    ),
  );
  const limited = (await Promise.all(xs.map((id) => client.state('rated', id)))).find(
    (state) => state.nodes['work']?.reason === 'RATE_LIMITED',
  );
  expect(limited?.status).toBe('pending');
  expect(limited?.nodes['work']).toMatchObject({ status: 'waiting', attempts: 0 });
  expect(limited?.nodes['work']?.rateLimitedUntil).toBeGreaterThan(started - 1_000);
  // Key Y, executed behind the backlog of X: all 10 run at once.
  const ys = await Promise.all(
    Array.from({ length: 10 }, () => client.execute('rated', { k: 'Y' })),
  );
  const yResults = await Promise.all(
    ys.map((id) => client.waitForResult('rated', id, { timeoutMs: 5_000 })),
  );
  expect(yResults).toEqual(Array(10).fill('Y'));
  const results = await Promise.all(
    xs.map((id) => client.waitForResult('rated', id, { timeoutMs: 30_000 })),
  );
  expect(results).toEqual(Array(70).fill('X'));
  const runs = await runsOf(prefix);
  const xRuns = runs.filter(([, key]) => key === 'X').map(([at]) => at);
  const first = Math.min(...xRuns);
  const inFive = xRuns.filter((at) => at < first + 5_000).length;
  expect(inFive).toBeGreaterThanOrEqual(48);
  expect(inFive).toBeLessThanOrEqual(52);
  // The windows follow one another: the 11th run starts a window (1 s) after the first.
  const sorted = [...xRuns].sort((a, b) => a - b);
  expect((sorted[10] ?? 0) - (sorted[0] ?? 0)).toBeGreaterThanOrEqual(950);
  const yRuns = runs.filter(([, key]) => key === 'Y').map(([at]) => at);
  expect(Math.max(...yRuns) - Math.min(...yRuns)).toBeLessThan(1_000);
  expect(xRuns).toHaveLength(70);
  // Every X request ran once, no attempt failed.
  const states = await Promise.all(xs.map((id) => client.state('rated', id)));
  expect(states.every((state) => state.nodes['work']?.attempts === 1)).toBe(true);
});
