import { DagflowError, ErrorCode, type FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Queue } from 'bullmq';
import { inject, describe, expect, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

/** A client service (no worker here) and one worker process with concurrency 1 serving the flows. */
async function setUp(env: Record<string, string> = {}) {
  const prefix = prefixFor();
  await spawnFixture('waits.mjs', prefix, env);
  const service = newService({ prefix });
  const queue = new Queue('{approval}', { connection: { url: inject('redisUrl') }, prefix });
  return { service, prefix, queue };
}

async function nodeStatus(service: FlowService, flow: string, id: string, node: string) {
  return (await service.state(flow, id)).nodes[node]?.status;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof DagflowError ? error.code : String(error)),
  );
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

  it('keeps a signal delivered before the node is reached, and refuses a second one', async () => {
    const { service, queue } = await setUp({ START_MS: '800' });
    await queue.close();
    const id = await service.execute('approval', 'x');
    await service.signal('approval', id, 'approve', 'early');
    expect(await nodeStatus(service, 'approval', id, 'approve')).toBe('pending');
    expect(await codeOf(service.signal('approval', id, 'approve', 'again'))).toBe(
      ErrorCode.SIGNAL_ALREADY_DELIVERED,
    );
    expect(await service.waitForResult('approval', id)).toEqual({ approved: 'early' });
    expect(await codeOf(service.signal('approval', id, 'approve', 'late'))).toBe(
      ErrorCode.SIGNAL_ALREADY_DELIVERED,
    );
    expect(await codeOf(service.signal('approval', id, 'start', 'x'))).toBe(
      ErrorCode.SIGNAL_NOT_FOUND,
    );
    expect(await codeOf(service.signal('approval', 'no-such-request', 'approve', 'x'))).toBe(
      ErrorCode.REQUEST_NOT_FOUND,
    );
  });

  it('fails the node with SIGNAL_TIMEOUT when no signal comes in time; a late signal changes nothing', async () => {
    const { service, queue } = await setUp();
    await queue.close();
    const started = Date.now();
    const id = await service.execute('timed', null);
    expect(await codeOf(service.waitForResult('timed', id))).toBe(ErrorCode.REQUEST_FAILED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const state = await service.state('timed', id);
    expect(state.nodes['approve']?.status).toBe('failed');
    expect(state.nodes['approve']?.error?.code).toBe(ErrorCode.SIGNAL_TIMEOUT);
    expect(state.nodes['done']?.status).toBe('pending');

    await service.signal('timed', id, 'approve', 'too late');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await service.state('timed', id)).status).toBe('failed');
    // A rerun uses the signal that came after the timeout.
    await service.rerun('timed', id);
    expect(await service.waitForResult('timed', id)).toEqual({ approved: 'too late' });
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

  it('holds a signal delivered while paused until resume', async () => {
    const { service, queue } = await setUp();
    await queue.close();
    const id = await service.execute('approval', 1);
    await waitFor(async () => (await nodeStatus(service, 'approval', id, 'approve')) === 'waiting');
    await service.pause('approval', id);
    await service.signal('approval', id, 'approve', 'while paused');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await nodeStatus(service, 'approval', id, 'done')).toBe('pending');
    await service.resume('approval', id);
    expect(await service.waitForResult('approval', id)).toEqual({ approved: 'while paused' });
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

    it('when the request fails', async () => {
      const { service, prefix, queue } = await setUp({ BOOM_MS: '1500', WORKER_CONCURRENCY: '2' });
      await queue.close();
      const { id, before } = await parked(service, prefix, 'patient-fails');
      expect(await codeOf(service.waitForResult('patient-fails', id))).toBe(
        ErrorCode.REQUEST_FAILED,
      );
      await waitFor(async () => (await delayedOf(prefix, 'patient-fails')) === before, {
        message: 'the failed request should leave no delayed timeout',
      });
    });
  });
});
