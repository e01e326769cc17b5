import type { FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Queue } from 'bullmq';
import { inject, describe, expect, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

/**
 * A client service (no worker here) and one worker process with concurrency 1 serving the flows. The
 * tests of signal timeouts, pauses and signals delivered early run on the test kit's virtual clock:
 * packages/tests/test/integration/virtual-time/signals.test.ts.
 */
async function setUp() {
  const prefix = prefixFor();
  await spawnFixture('waits.mjs', prefix);
  const service = newService({ prefix });
  const queue = new Queue('{approval}', { connection: { url: inject('redisUrl') }, prefix });
  return { service, prefix, queue };
}

async function nodeStatus(service: FlowService, flow: string, id: string, node: string) {
  return (await service.state(flow, id)).nodes[node]?.status;
}

describe('signal nodes', () => {
  it('wait holding no job and no slot, then complete with the delivered payload', async () => {
    const { service, queue } = await setUp();
    try {
      const id = await service.execute('approval', { amount: 5 });
      await waitFor(
        async () => (await nodeStatus(service, 'approval', id, 'approve')) === 'waiting',
      );
      expect(await queue.getJobCounts('active', 'waiting', 'delayed')).toEqual({
        active: 0,
        waiting: 0,
        delayed: 0,
      });
      // The one worker slot is free: other requests run while the signal node waits.
      const others = await Promise.all([1, 2, 3].map((n) => service.execute('quick', n)));
      const results = await Promise.all(
        others.map((other) => service.waitForResult('quick', other, { timeoutMs: 5_000 })),
      );
      expect(results).toEqual([2, 4, 6]);
      expect((await service.state('approval', id)).status).toBe('running');

      await service.signal('approval', id, 'approve', { by: 'ana' });
      expect(await service.waitForResult('approval', id)).toEqual({ approved: { by: 'ana' } });
      expect(await nodeStatus(service, 'approval', id, 'approve')).toBe('completed');
    } finally {
      await queue.close();
    }
  });

  it('stops while waiting, waits again after a rerun, and completes with a signal then', async () => {
    const { service, queue } = await setUp();
    await queue.close();
    const id = await service.execute('approval', 1);
    await waitFor(async () => (await nodeStatus(service, 'approval', id, 'approve')) === 'waiting');
    await service.stop('approval', id);
    expect((await service.state('approval', id)).status).toBe('stopped');

    await service.rerun('approval', id);
    await waitFor(async () => (await nodeStatus(service, 'approval', id, 'approve')) === 'waiting');
    expect((await service.state('approval', id)).status).toBe('running');
    await service.signal('approval', id, 'approve', 'after rerun');
    expect(await service.waitForResult('approval', id)).toEqual({ approved: 'after rerun' });
  });

  describe("take the signal's timeout job off the queue", () => {
    /** The delayed jobs of a flow's queue (real BullMQ counts). */
    async function delayedOf(prefix: string, flow: string): Promise<number> {
      const queue = new Queue(`{${flow}}`, { connection: { url: inject('redisUrl') }, prefix });
      try {
        return (await queue.getJobCounts('delayed')).delayed ?? 0;
      } finally {
        await queue.close();
      }
    }

    /** Starts a request of `flow` and waits until its signal node is parked, its timeout delayed. */
    async function parked(service: FlowService, prefix: string, flow: string) {
      const before = await delayedOf(prefix, flow);
      const id = await service.execute(flow, null);
      await waitFor(async () => (await nodeStatus(service, flow, id, 'approve')) === 'waiting');
      await waitFor(async () => (await delayedOf(prefix, flow)) === before + 1, {
        message: 'the timeout should be one delayed job',
      });
      return { id, before };
    }

    it('when the signal is delivered', async () => {
      const { service, prefix, queue } = await setUp();
      await queue.close();
      const { id, before } = await parked(service, prefix, 'patient');
      await service.signal('patient', id, 'approve', 'yes');
      expect(await service.waitForResult('patient', id)).toEqual({ approved: 'yes' });
      expect(await delayedOf(prefix, 'patient')).toBe(before);
    });

    it('when the request is stopped', async () => {
      const { service, prefix, queue } = await setUp();
      await queue.close();
      const { id, before } = await parked(service, prefix, 'patient');
      await service.stop('patient', id);
      expect(await delayedOf(prefix, 'patient')).toBe(before);
    });
  });
});
