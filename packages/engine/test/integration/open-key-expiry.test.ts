import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

// TTLs of keys that live while a request runs or a batch is open (key-expiry.test.ts scans the ended ones).

it("a running request's stream has a TTL from its first chunk: an end that does not expire it (an engine from before streams) leaves it expiring", async () => {
  const prefix = prefixFor();
  const retention = { completedMs: 60_000, failedMs: 120_000, pausedMs: 300_000 };
  const service = newService({ prefix, retention });
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  service.register('talks', (dag) =>
    dag.node('talk', async (_input: unknown, ctx) => {
      await ctx.emit('hello');
      await gate;
      return 'done';
    }),
  );
  await service.startWorker();
  const id = await service.execute('talks', null);
  const redis = new Redis(inject('redisUrl'));
  try {
    const stream = `${prefix}:r:{talks/${id}}:stream`;
    await waitFor(async () => (await redis.xlen(stream)) === 1);
    // Running: the longest retention (the paused one), renewed by each append.
    expect(await redis.pttl(`${prefix}:r:{talks/${id}}:state`)).toBe(-1);
    expect(await redis.pttl(stream)).toBeGreaterThan(290_000);
    expect(await redis.pttl(stream)).toBeLessThanOrEqual(300_000);
    open();
    expect(await service.waitForResult('talks', id)).toBe('done');
    // Ended by this engine: the request's retention.
    expect(await redis.pttl(stream)).toBeLessThanOrEqual(60_000);
    expect(await redis.pttl(stream)).toBeGreaterThan(50_000);
  } finally {
    await redis.quit();
  }
});

it("an open batch's keys carry a TTL of its maxWaitMs plus a day", async () => {
  const prefix = prefixFor();
  const service = newService({ prefix });
  service.register('slow', (dag) => dag.node('n', (inputs: unknown[]) => inputs.length), {
    batch: { maxSize: 10, maxWaitMs: 600_000 },
  });
  await service.execute('slow', 1);
  const redis = new Redis(inject('redisUrl'));
  try {
    const keys = await redis.keys(`${prefix}:batch:*`);
    expect(keys.length).toBe(3); // the open batch, its inputs, its pending mark
    for (const key of keys) {
      expect(await redis.pttl(key)).toBeGreaterThan(600_000 + 86_000_000);
      expect(await redis.pttl(key)).toBeLessThanOrEqual(600_000 + 86_400_000);
    }
  } finally {
    await redis.quit();
  }
});
