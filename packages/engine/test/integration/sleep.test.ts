import { waitFor } from '@dagflow/test-utils';
import { Queue } from 'bullmq';
import { describe, expect, inject, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

describe('sleep', () => {
  it('starts the successor after the delay, holding no active job meanwhile', async () => {
    const prefix = prefixFor();
    await spawnFixture('waits.mjs', prefix);
    const service = newService({ prefix });
    const queue = new Queue('{napping}', { connection: { url: inject('redisUrl') }, prefix });
    try {
      const id = await service.execute('napping', null);
      await waitFor(
        async () => (await service.state('napping', id)).nodes['a']?.status === 'completed',
      );
      // Node a's job ends right after its completion; then only the nap's delayed job is left.
      await waitFor(
        async () => {
          const { active, delayed } = await queue.getJobCounts('active', 'delayed');
          return active === 0 && delayed === 1;
        },
        { timeoutMs: 600, message: 'the nap should be one delayed job, none active' },
      );
      // The one worker slot is free during the nap.
      const other = await service.execute('quick', 4);
      expect(await service.waitForResult('quick', other, { timeoutMs: 700 })).toBe(8);
      const { a, b } = (await service.waitForResult('napping', id)) as { a: number; b: number };
      expect(b - a).toBeGreaterThanOrEqual(800);
    } finally {
      await queue.close();
    }
  });

  it('is taken off the queue by a stop, and sleeps again after a rerun', async () => {
    const prefix = prefixFor();
    await spawnFixture('waits.mjs', prefix);
    const service = newService({ prefix });
    const queue = new Queue('{napping}', { connection: { url: inject('redisUrl') }, prefix });
    try {
      const id = await service.execute('napping', null);
      await waitFor(async () => (await queue.getJobCounts('delayed')).delayed === 1);
      await service.stop('napping', id);
      expect(await queue.getJobCounts('delayed', 'waiting', 'active')).toEqual({
        delayed: 0,
        waiting: 0,
        active: 0,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await service.state('napping', id)).nodes['b']?.status).toBe('pending');

      const rerunAt = Date.now();
      await service.rerun('napping', id);
      const { b } = (await service.waitForResult('napping', id)) as { b: number };
      expect(b - rerunAt).toBeGreaterThanOrEqual(800);
    } finally {
      await queue.close();
    }
  });
});
