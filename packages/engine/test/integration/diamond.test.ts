import { describe, expect, inject, it } from 'vitest';
import { counters, registerTestFlows } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from './helpers.js';

describe('joins', () => {
  it('runs the join once, after both branches, with { B, C } as input', async () => {
    const prefix = prefixFor();
    const count = counters(inject('redisUrl'), prefix, inject('redisClusterNodes'));
    const service = newService({ prefix });
    registerTestFlows(service, count);
    await service.startWorker();
    const id = await service.execute('diamond', 1);
    expect(await service.waitForResult('diamond', id)).toEqual({ joined: { B: 4, C: 6 } });
    const state = await service.state('diamond', id);
    expect(state.status).toBe('completed');
    const { B, C, D } = state.nodes;
    expect(D?.startedAt).toBeGreaterThanOrEqual(
      Math.max(B?.finishedAt ?? Infinity, C?.finishedAt ?? Infinity),
    );
    expect(await count.all()).toEqual({
      [`${id}/A`]: 1,
      [`${id}/B`]: 1,
      [`${id}/C`]: 1,
      [`${id}/D`]: 1,
    });
    await count.close();
  });

  it('hands the join its aggregator result', async () => {
    const prefix = prefixFor();
    const count = counters(inject('redisUrl'), prefix, inject('redisClusterNodes'));
    const service = newService({ prefix });
    registerTestFlows(service, count);
    await service.startWorker();
    const id = await service.execute('aggregated', 10);
    expect(await service.waitForResult('aggregated', id)).toBe(23);
    await count.close();
  });

  it('runs 200 concurrent diamonds across 2 worker processes, every node exactly once', async () => {
    const prefix = prefixFor();
    const count = counters(inject('redisUrl'), prefix, inject('redisClusterNodes'));
    const client = newService({ prefix });
    registerTestFlows(client, count);
    const workers = await Promise.all([spawnWorker(prefix), spawnWorker(prefix)]);
    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.execute('diamond', i)),
    );
    const results = await Promise.all(
      ids.map((id) => client.waitForResult('diamond', id, { timeoutMs: 50_000 })),
    );
    results.forEach((result, i) =>
      expect(result).toEqual({ joined: { B: (i + 1) * 2, C: (i + 1) * 3 } }),
    );
    const counts = await count.all();
    expect(Object.keys(counts)).toHaveLength(800);
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    expect((await count.pids()).sort()).toEqual(workers.map((w) => w.pid).sort());
    await count.close();
  });
});
