import type { FlowService, RequestState } from '@dagflow/engine';
import { freePort, waitFor } from '@dagflow/test-utils';
import { describe, expect, inject, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';
import { runLog } from '../fixtures/deploy-flows.mjs';

/** A worker process running one code version of the deploy flows (see fixtures/deploy-flows.mjs). */
function deployWorker(
  prefix: string,
  code: string,
  sleepMs = 1_500,
  env: Record<string, string> = {},
) {
  return spawnFixture('deploy-worker.mjs', prefix, {
    CODE: code,
    SLEEP_MS: String(sleepMs),
    ...env,
  });
}

/** A counter's value summed over its labels, read from a worker's metrics listener. */
async function counter(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function allWaiting(
  client: FlowService,
  flow: string,
  ids: readonly string[],
  node: string,
  reason?: string,
): Promise<boolean> {
  const states = await Promise.all(ids.map((id) => client.state(flow, id)));
  return states.every(
    (state: RequestState) =>
      state.nodes[node]?.status === 'waiting' &&
      (reason === undefined || state.nodes[node]?.reason === reason),
  );
}

function runsOf(runs: Record<string, number>, requestId: string): Record<string, number> {
  return Object.fromEntries(
    Object.entries(runs)
      .filter(([key]) => key.startsWith(`${requestId} `))
      .map(([key, n]) => [key.slice(requestId.length + 1), n]),
  );
}

describe('rolling deploys of changed flows', () => {
  it('v1 -> v2: requests waiting at a signal or sleeping finish on their shape with the new code, each node once', async () => {
    const prefix = prefixFor();
    const client = newService({ prefix });
    const log = runLog(inject('redisUrl'), prefix, inject('redisClusterNodes'));
    const v1 = await deployWorker(prefix, 'v1', 4_000);
    const orders = await Promise.all(range(10).map((i) => client.execute('order', i)));
    const naps = await Promise.all(range(10).map((i) => client.execute('nap', `n${i}`)));
    await waitFor(() => allWaiting(client, 'order', orders, 'approve'), { timeoutMs: 15_000 });
    // Every nap's S ran on v1 before it stops (a loaded machine may not have reached them all yet).
    await waitFor(
      async () =>
        (await Promise.all(naps.map((id) => client.state('nap', id)))).every(
          (state) => state.nodes['S']?.status === 'completed',
        ),
      { timeoutMs: 15_000 },
    );
    const v1Version = (await client.state('order', orders[0] ?? '')).version;
    await v1.stop(); // SIGTERM, as a rolling deploy sends
    await deployWorker(prefix, 'v2', 4_000);
    await Promise.all(orders.map((id, i) => client.signal('order', id, 'approve', { n: i })));
    const results = await Promise.all(
      orders.map((id) => client.waitForResult('order', id, { timeoutMs: 20_000 })),
    );
    // The v1 shape (no D) with the v2 code of B and C.
    expect(results).toEqual(range(10).map((n) => ({ n, b: 100, c: 'v2' })));
    const napResults = await Promise.all(
      naps.map((id) => client.waitForResult('nap', id, { timeoutMs: 20_000 })),
    );
    expect(napResults).toEqual(range(10).map((i) => `n${i} woke on v2`));
    const runs = await log.all();
    for (const id of orders) {
      expect(runsOf(runs, id)).toEqual({ 'v1:A': 1, 'v2:B': 1, 'v2:C': 1 });
      expect((await client.state('order', id)).version).toBe(v1Version);
    }
    for (const id of naps) expect(runsOf(runs, id)).toEqual({ 'v1:S': 1, 'v2:T': 1 });
    await log.close();
  });

  it('v2 -> v3 removes a node: its requests wait with STEP_UNAVAILABLE, half migrate to v3, the rest finish once a worker with the node starts; the old worker does not make v2 current again', async () => {
    const prefix = prefixFor();
    const client = newService({ prefix });
    const log = runLog(inject('redisUrl'), prefix, inject('redisClusterNodes'));
    const v2 = await deployWorker(prefix, 'v2');
    const orders = await Promise.all(range(10).map((i) => client.execute('order', i)));
    await waitFor(() => allWaiting(client, 'order', orders, 'approve'), { timeoutMs: 15_000 });
    const v2Version = (await client.state('order', orders[0] ?? '')).version ?? '';
    await v2.stop();
    await deployWorker(prefix, 'v3');
    await Promise.all(orders.map((id, i) => client.signal('order', id, 'approve', { n: i })));
    await waitFor(() => allWaiting(client, 'order', orders, 'C', 'STEP_UNAVAILABLE'), {
      timeoutMs: 15_000,
    });
    const waiting = await client.state('order', orders[0] ?? '');
    expect(waiting.status).toBe('running');
    expect(waiting.nodes['C']?.unavailableSince).toBeGreaterThan(0);
    const versions = await client.versions('order');
    const v3Version = versions.find((v) => v.current)?.version ?? '';
    expect(v3Version).not.toBe(v2Version);
    const old = versions.find((v) => v.version === v2Version);
    expect(old).toMatchObject({ drained: false, requests: { running: 10 } });
    expect(old?.unavailable).toContain('C');

    const migrated = orders.slice(0, 5);
    for (const id of migrated) {
      const result = await client.migrate('order', id);
      expect(result).toMatchObject({ from: v2Version, to: v3Version, dropped: ['C'] });
      expect(result.released).toEqual(['D']);
    }
    const migratedResults = await Promise.all(
      migrated.map((id) => client.waitForResult('order', id, { timeoutMs: 15_000 })),
    );
    expect(migratedResults).toEqual(range(5).map((n) => ({ n, b: 100, d: 'v3' })));
    const state = await client.state('order', migrated[0] ?? '');
    expect(state.version).toBe(v3Version);
    expect(state.migrations).toEqual([{ from: v2Version, to: v3Version, at: expect.any(Number) }]);
    expect(state.nodes['C']).toBeUndefined();

    // A v2 worker restarted mid-rollout runs the waiting node, and v3 stays current.
    await deployWorker(prefix, 'v2');
    const rest = orders.slice(5);
    const restResults = await Promise.all(
      rest.map((id) => client.waitForResult('order', id, { timeoutMs: 15_000 })),
    );
    for (const [i, result] of restResults.entries())
      expect(result).toEqual({ n: i + 5, b: 100, c: 'v2', d: expect.stringMatching(/^v[23]$/) });
    expect((await client.versions('order')).find((v) => v.current)?.version).toBe(v3Version);
    const runs = await log.all();
    for (const id of migrated) expect(runsOf(runs, id)['v2:C']).toBeUndefined();
    for (const id of orders) {
      const mine = runsOf(runs, id);
      expect(Object.values(mine).every((n) => n === 1)).toBe(true);
    }
    await log.close();
  });

  it('old and new workers side by side under load: every request of either version completes, none is failed by a worker that lacks its node, give-backs stay bounded', async () => {
    const prefix = prefixFor();
    const client = newService({ prefix });
    const log = runLog(inject('redisUrl'), prefix, inject('redisClusterNodes'));
    const [v2Port, v3Port] = [await freePort(), await freePort()];
    await deployWorker(prefix, 'v2', 1_500, { METRICS_PORT: String(v2Port) });
    const old = await Promise.all(range(20).map((i) => client.execute('order', i)));
    await waitFor(() => allWaiting(client, 'order', old, 'approve'), { timeoutMs: 15_000 });
    const oldVersion = (await client.state('order', old[0] ?? '')).version;
    await deployWorker(prefix, 'v3', 1_500, { METRICS_PORT: String(v3Port) });
    // A client rereads the registry's current version every 2 s.
    await waitFor(async () => (await client.describe('order')).nodes.every((n) => n.id !== 'C'), {
      timeoutMs: 5_000,
    });
    // New requests (v3's shape: no C) keep coming while the old ones are released.
    const started = Date.now();
    const fresh = await Promise.all(range(20).map((i) => client.execute('order', 100 + i)));
    await Promise.all(old.map((id, i) => client.signal('order', id, 'approve', { n: i })));
    await waitFor(() => allWaiting(client, 'order', fresh, 'approve'), { timeoutMs: 15_000 });
    await Promise.all(fresh.map((id, i) => client.signal('order', id, 'approve', { n: 100 + i })));
    const [oldResults, freshResults] = await Promise.all([
      Promise.all(old.map((id) => client.waitForResult('order', id, { timeoutMs: 20_000 }))),
      Promise.all(fresh.map((id) => client.waitForResult('order', id, { timeoutMs: 20_000 }))),
    ]);
    const elapsed = Date.now() - started;
    const d = expect.stringMatching(/^v[23]$/);
    expect(oldResults).toEqual(range(20).map((n) => ({ n, b: 100, c: 'v2', d })));
    expect(freshResults).toEqual(range(20).map((i) => ({ n: 100 + i, b: 100, d })));
    expect((await client.state('order', fresh[0] ?? '')).version).not.toBe(oldVersion);
    const runs = await log.all();
    for (const id of [...old, ...fresh])
      expect(Object.values(runsOf(runs, id)).every((n) => n === 1)).toBe(true);
    // Only the v3 worker lacks a node (C of the old shape); each of its give-backs re-queued a job.
    const giveBacks = await counter(v3Port, 'dagflow_step_give_backs_total');
    expect(await counter(v2Port, 'dagflow_step_give_backs_total')).toBe(0);
    expect(await counter(v3Port, 'dagflow_step_unavailable_total')).toBe(0);
    expect(giveBacks).toBeLessThanOrEqual(3 * old.length);
    console.log(
      `side by side: ${giveBacks} give-backs for ${old.length} old-shape requests, all 40 done in ${elapsed} ms`,
    );
    await log.close();
  });
});
