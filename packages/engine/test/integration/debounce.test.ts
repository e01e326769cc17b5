import { DagflowError } from '@dagflow/engine';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The sliding window (10 calls, the last input runs once) runs on the test kit's virtual clock:
// packages/tests/test/integration/virtual-time/debounce.test.ts.

it('runs once when 10 calls race from 2 clients at the same moment', async () => {
  const prefix = prefixFor();
  await spawnFixture('scheduling.mjs', prefix);
  const [a, b] = [newService({ prefix }), newService({ prefix })];
  const debounce = { key: 'burst', ms: 500 };
  const ids = await Promise.all(
    Array.from({ length: 10 }, (_, n) =>
      (n % 2 === 0 ? a : b).execute('debounced', n, { debounce }),
    ),
  );
  expect(new Set(ids).size).toBe(1);
  const result = await a.waitForResult('debounced', ids[0] ?? '', { timeoutMs: 10_000 });
  await sleep(300);
  const redis = new Redis(inject('redisUrl'));
  expect(await redis.lrange(`${prefix}:debounced`, 0, -1)).toEqual([JSON.stringify(result)]);
  await redis.quit();
});

it('refuses a bad debounce option with INVALID_INPUT', async () => {
  const prefix = prefixFor();
  await spawnFixture('scheduling.mjs', prefix);
  const client = newService({ prefix });
  await expect(
    client.execute('debounced', 1, { debounce: { key: '', ms: 100 } }),
  ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  await expect(
    client.execute('debounced', 1, { debounce: { key: 'k', ms: 0 } }),
  ).rejects.toBeInstanceOf(DagflowError);
});
