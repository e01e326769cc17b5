import { DagflowError } from '@dagflow/engine';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('runs 10 calls within the window once, with the last input, and answers every call its id', async () => {
  const prefix = prefixFor();
  await spawnFixture('scheduling.mjs', prefix);
  const client = newService({ prefix });
  const debounce = { key: 'customer-7', ms: 800 };
  const ids: string[] = [];
  for (let n = 0; n < 10; n++) {
    ids.push(await client.execute('debounced', { n }, { debounce }));
    await sleep(100); // 10 calls over ~1 s: longer than one window, so the window must slide
  }
  expect(new Set(ids).size).toBe(1);
  const [id = ''] = ids;
  const waiting = await client.state('debounced', id);
  expect(waiting.status).toBe('pending');
  expect(waiting.debounceUntil).toBeGreaterThan(Date.now() - 100);
  await expect(client.waitForResult('debounced', id, { timeoutMs: 10_000 })).resolves.toEqual({
    n: 9,
  });
  await sleep(500);
  const redis = new Redis(inject('redisUrl'));
  expect(await redis.lrange(`${prefix}:debounced`, 0, -1)).toEqual(['{"n":9}']);
  // After the window: a new request; another key: its own request.
  const later = await client.execute('debounced', { n: 10 }, { debounce });
  const other = await client.execute('debounced', { n: 11 }, { debounce: { key: 'x', ms: 300 } });
  expect(later).not.toBe(id);
  expect(other).not.toBe(later);
  await expect(client.waitForResult('debounced', later)).resolves.toEqual({ n: 10 });
  await expect(client.waitForResult('debounced', other)).resolves.toEqual({ n: 11 });
  expect((await redis.lrange(`${prefix}:debounced`, 0, -1)).length).toBe(3);
  await redis.quit();
});

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
