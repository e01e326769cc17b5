import type { LiveUpdate, NodeState, RequestState } from '@dagflow/engine';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

/** Calls of one command on the run's Redis so far (INFO commandstats). */
async function calls(redis: Redis, command: string): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
}

it('serves 20 watchers of a request with one state read, then only what changes, and their states end equal to a fresh read', async () => {
  const redis = new Redis(inject('redisUrl'));
  const service = newService({ prefix: prefixFor(), workerConcurrency: 20 });
  service.register('many', (dag) => {
    dag
      .forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
      )
      .node('item', async (i: number) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return i * 2;
      });
    dag.node('sum', (items: Record<string, number>) => Object.values(items).length);
    dag.edge('each', 'sum');
  });
  await service.startWorker();
  // A request nobody watches: what its run costs in whole-hash reads (BullMQ reads job hashes too).
  let before = await calls(redis, 'hgetall');
  const alone = await service.execute('many', 300);
  await service.waitForResult('many', alone, { timeoutMs: 30_000 });
  const unwatched = (await calls(redis, 'hgetall')) - before;

  const id = await service.execute('many', 300);
  before = await calls(redis, 'hgetall');
  const states: RequestState[] = [];
  const views = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const view = await service.watchState('many', id, (update: LiveUpdate) => {
        const state = states[i]!;
        if (update.kind === 'state') states[i] = update.state;
        else if (update.kind === 'nodes')
          states[i] = {
            ...state,
            nodes: { ...state.nodes, ...(update.nodes as Record<string, NodeState>) },
          };
        else states[i] = { ...state, status: update.status };
      });
      states[i] = view.state;
      return view;
    }),
  );
  await service.waitForResult('many', id, { timeoutMs: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, 400)); // the last changes reach the views
  const watched = (await calls(redis, 'hgetall')) - before;
  // The 20 views cost one whole read of the request; BullMQ's job reads vary by a few between runs.
  expect(watched - unwatched).toBeLessThanOrEqual(5);
  console.log(`whole-hash reads: ${unwatched} unwatched, ${watched} with 20 views`);
  const fresh = await service.state('many', id);
  for (const state of states) {
    expect(state.status).toBe('completed');
    const statuses = Object.fromEntries(Object.entries(state.nodes).map(([p, n]) => [p, n.status]));
    const expected = Object.fromEntries(Object.entries(fresh.nodes).map(([p, n]) => [p, n.status]));
    expect(statuses).toEqual(expected);
  }
  await Promise.all(views.map((view) => view.close()));
  redis.disconnect();
});
