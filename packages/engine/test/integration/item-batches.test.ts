import { waitFor } from '@dagflow/test-utils';
import { Queue } from 'bullmq';
import { describe, expect, inject, it } from 'vitest';
import { counters, registerFanout, registerSlowBatch } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jobs waiting in a flow's queue. */
async function waiting(prefix: string, flow: string): Promise<number> {
  const queue = new Queue(`{${flow}}`, { connection: { url: inject('redisUrl') }, prefix });
  const count = await queue.getWaitingCount();
  await queue.close();
  return count;
}

const itemsOf = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe('for-each items several to a job', () => {
  it('runs 2,000 items in 500 jobs of 4, each item begun, completed and counted once as its own step', async () => {
    const prefix = prefixFor();
    // One job at a time: while the first item waits for the gate, every other job waits in the queue.
    const service = newService({ prefix, workerConcurrency: 1 });
    const runs = new Map<string, number>();
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const double = async (i: number, ctx: { node: string }): Promise<number> => {
      if (i === 0) await gate;
      runs.set(ctx.node, (runs.get(ctx.node) ?? 0) + 1);
      return i * 2;
    };
    service.register('batched', (dag) => {
      dag.forEachBranch('each', itemsOf).node('double', double);
    });
    // A body with retries keeps one item per job.
    service.register('one-each', (dag) => {
      dag.forEachBranch('each', itemsOf).node('double', double, { retries: 1 });
    });
    await service.startWorker();
    const id = await service.execute('batched', 2_000);
    await waitFor(async () => (await waiting(prefix, 'batched')) === 499, { timeoutMs: 10_000 });
    open();
    const result = (await service.waitForResult('batched', id)) as Record<string, number>;
    expect(Object.keys(result)).toHaveLength(2_000);
    expect(result['k1999']).toBe(3_998);
    expect(runs.size).toBe(2_000);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    const state = await service.state('batched', id);
    const items = Object.entries(state.nodes).filter(([path]) => path.endsWith('/double'));
    expect(items).toHaveLength(2_000);
    expect(items.every(([, node]) => node.status === 'completed' && node.attempts === 1)).toBe(
      true,
    );

    const service2 = newService({ prefix: `${prefix}-2`, workerConcurrency: 1 });
    let open2 = (): void => undefined;
    const gate2 = new Promise<void>((resolve) => (open2 = resolve));
    service2.register('one-each', (dag) => {
      dag.forEachBranch('each', itemsOf).node(
        'double',
        async (i: number) => {
          if (i === 0) await gate2;
          return i * 2;
        },
        { retries: 1 },
      );
    });
    await service2.startWorker();
    const single = await service2.execute('one-each', 1_000);
    await waitFor(async () => (await waiting(`${prefix}-2`, 'one-each')) === 999, {
      timeoutMs: 10_000,
    });
    open2();
    const singleResult = (await service2.waitForResult('one-each', single)) as object;
    expect(Object.keys(singleResult)).toHaveLength(1_000);
  });

  it('completes a for-each of 2,000 items in jobs of 4 when a worker is killed with SIGKILL in the middle', async () => {
    const prefix = prefixFor();
    const count = counters(inject('redisUrl'), prefix);
    const client = newService({ prefix });
    registerFanout(client, count);
    const recovery = { LOCK_MS: '1500', STALLED_MS: '500', WORKER_CONCURRENCY: '20' };
    const [victim] = await Promise.all([
      spawnWorker(prefix, recovery),
      spawnWorker(prefix, recovery),
    ]);
    const id = await client.execute('fanout', 2_000);
    await waitFor(async () => Object.keys(await count.all()).length >= 400, { timeoutMs: 20_000 });
    await victim?.kill();

    expect(await client.waitForResult('fanout', id, { timeoutMs: 45_000 })).toEqual({
      items: 2_000,
      sum: 1_999 * 2_000,
    });
    const counts = await count.all();
    expect(counts[`${id}/summary`]).toBe(1);
    const workRuns = Object.entries(counts).filter(([key]) => key.endsWith('/work'));
    expect(workRuns).toHaveLength(2_000);
    // At least once: only the item each of the killed worker's jobs was running ran twice; the items
    // its jobs had completed were not run again, those they had not begun ran once.
    const repeats = workRuns.filter(([, n]) => n > 1);
    expect(repeats.every(([, n]) => n === 2)).toBe(true);
    expect(repeats.length).toBeLessThanOrEqual(20);
    const state = await client.state('fanout', id);
    const items = Object.entries(state.nodes).filter(([path]) => path.endsWith('/work'));
    expect(items.every(([, node]) => node.status === 'completed')).toBe(true);
    await count.close();
  });

  it('fails the items a job left, begun or not, when that job stalls too often', async () => {
    const prefix = prefixFor();
    const count = counters(inject('redisUrl'), prefix);
    const client = newService({ prefix });
    registerSlowBatch(client, count);
    const recovery = { LOCK_MS: '1000', STALLED_MS: '300' };
    let worker = await spawnWorker(prefix, recovery);
    // 1,500 items: 3 to a job; the first job runs k0, then k1 (slow), then k2.
    const id = await client.execute('slow-batch', 1_500);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await waitFor(
        async () =>
          (await client.state('slow-batch', id)).nodes['each[k1]/work']?.attempts === attempt,
        { timeoutMs: 20_000 },
      );
      await worker.kill();
      worker = await spawnWorker(prefix, recovery);
    }
    await waitFor(async () => (await client.state('slow-batch', id)).status === 'failed', {
      timeoutMs: 20_000,
    });
    const state = await client.state('slow-batch', id);
    expect(state.nodes['each[k0]/work']?.status).toBe('completed');
    expect(state.nodes['each[k1]/work']?.status).toBe('failed');
    expect(state.nodes['each[k2]/work']?.status).toBe('failed');
    expect(state.nodes['each[k3]/work']?.status).toBe('completed');
    expect((await count.all())[`${id}/each[k2]/work`]).toBeUndefined();
    await worker.kill();
    await count.close();
  });

  it('pauses mid-batch: the items left in running jobs are held, and run once after the resume', async () => {
    const service = newService({ prefix: prefixFor(), workerConcurrency: 4 });
    const completed = new Map<string, number>();
    service.register('slow-items', (dag) => {
      dag.forEachBranch('each', itemsOf).node('work', async (i: number, ctx) => {
        if (i % 2 === 0) await sleep(10);
        completed.set(ctx.node, (completed.get(ctx.node) ?? 0) + 1);
        return i;
      });
    });
    await service.startWorker();
    // 1,000 items: 2 to a job.
    const id = await service.execute('slow-items', 1_000);
    await waitFor(() => completed.size >= 20, { timeoutMs: 10_000 });
    await service.pause('slow-items', id);
    await sleep(100);
    const ranWhilePausing = completed.size;
    await sleep(400);
    expect(completed.size).toBe(ranWhilePausing);
    expect((await service.state('slow-items', id)).status).toBe('paused');
    await service.resume('slow-items', id);
    const result = (await service.waitForResult('slow-items', id, {
      timeoutMs: 30_000,
    })) as Record<string, number>;
    expect(Object.keys(result)).toHaveLength(1_000);
    expect(completed.size).toBe(1_000);
    expect([...completed.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });

  it('stops mid-batch, runs no item after the stop and each once on a rerun', async () => {
    const service = newService({ prefix: prefixFor(), workerConcurrency: 4 });
    const completed = new Map<string, number>();
    service.register('slow-items', (dag) => {
      dag.forEachBranch('each', itemsOf).node('work', async (i: number, ctx) => {
        if (i % 2 === 0) await sleep(10);
        if (ctx.signal.aborted) throw new Error('stopped');
        completed.set(ctx.node, (completed.get(ctx.node) ?? 0) + 1);
        return i;
      });
    });
    await service.startWorker();
    // 1,000 items: 2 to a job.
    const id = await service.execute('slow-items', 1_000);
    await waitFor(() => completed.size >= 20, { timeoutMs: 10_000 });
    await service.stop('slow-items', id);
    const ranBeforeStop = completed.size;
    await sleep(500);
    // At most the 4 running items finish; the others of their jobs are held.
    expect(completed.size).toBeLessThanOrEqual(ranBeforeStop + 4);
    await service.rerun('slow-items', id);
    const result = (await service.waitForResult('slow-items', id, {
      timeoutMs: 30_000,
    })) as Record<string, number>;
    expect(Object.keys(result)).toHaveLength(1_000);
    expect(completed.size).toBe(1_000);
    expect([...completed.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });

  it('does not run the rest of a job that began before a stop when a rerun comes while its item runs', async () => {
    const service = newService({ prefix: prefixFor(), workerConcurrency: 4 });
    const completed = new Map<string, number>();
    const running = new Set<number>();
    const slow = new Set([40, 42, 44, 46]);
    service.register('slow-items', (dag) => {
      dag.forEachBranch('each', itemsOf).node('work', async (i: number, ctx) => {
        if (slow.has(i)) {
          running.add(i);
          await sleep(400);
          running.delete(i);
        }
        if (ctx.signal.aborted) throw new Error('stopped');
        completed.set(ctx.node, (completed.get(ctx.node) ?? 0) + 1);
        return i;
      });
    });
    await service.startWorker();
    // 1,000 items: 2 to a job; the jobs of k40, k42, k44 and k46 take the 4 slots, each with one more
    // item to run after the slow one.
    const id = await service.execute('slow-items', 1_000);
    await waitFor(() => running.size === 4, { timeoutMs: 10_000 });
    await service.stop('slow-items', id);
    await service.rerun('slow-items', id);
    const result = (await service.waitForResult('slow-items', id, {
      timeoutMs: 30_000,
    })) as Record<string, number>;
    expect(Object.keys(result)).toHaveLength(1_000);
    expect(completed.size).toBe(1_000);
    // k41, k43, k45 and k47 ran once, in the rerun's jobs, not in the jobs from before the stop too.
    expect([...completed.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });
});
