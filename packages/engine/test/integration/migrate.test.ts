import { type Dag, type FlowService, ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const echo = (x: unknown): unknown => x;

/** `A -> approve (signal) -> then`, and `then -> more` when `more` is given. */
function order(then: string, more?: string, slow?: Promise<void>) {
  return (dag: Dag): void => {
    dag.node('A', echo).signal('approve').edge('A', 'approve');
    dag.node(then, async (input: unknown) => {
      await slow;
      return { ...(input as object), [then]: true };
    });
    dag.edge('approve', then);
    if (more !== undefined) dag.node(more, (input) => ({ ...(input as object), [more]: true }));
    if (more !== undefined) dag.edge(then, more);
  };
}

async function waitingAt(client: FlowService, id: string, node: string): Promise<void> {
  await waitFor(async () => (await client.state('order', id)).nodes[node]?.status === 'waiting', {
    timeoutMs: 10_000,
  });
}

describe('migrate', () => {
  it('moves a request past a renamed node: the old id is dropped, the new one runs', async () => {
    const prefix = prefixFor();
    const v1 = newService({ prefix });
    v1.register('order', order('B', 'C'), { revision: 1 });
    await v1.startWorker();
    const id = await v1.execute('order', { n: 1 });
    await waitingAt(v1, id, 'approve');
    await v1.close();
    const v2 = newService({ prefix, stepUnavailableTimeoutMs: 60_000 });
    v2.register('order', order('B', 'E'), { revision: 2 }); // C renamed E
    await v2.startWorker();
    await v2.signal('order', id, 'approve', { n: 1 });
    await waitFor(
      async () => (await v2.state('order', id)).nodes['C']?.reason === 'STEP_UNAVAILABLE',
      { timeoutMs: 10_000 },
    );
    const migrated = await v2.migrate('order', id);
    expect(migrated).toMatchObject({ dropped: ['C'], released: ['E'] });
    expect(await v2.waitForResult('order', id, { timeoutMs: 10_000 })).toEqual({
      n: 1,
      B: true,
      E: true,
    });
    // Migrating again changes nothing: the request is completed.
    await expect(v2.migrate('order', id)).rejects.toMatchObject({
      code: ErrorCode.INVALID_TRANSITION,
    });
  });

  it('refuses while a node runs and changes nothing; migrates once it has ended', async () => {
    const prefix = prefixFor();
    const v1 = newService({ prefix });
    let release = (): void => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    v1.register('order', order('B', 'C', slow), { revision: 1 });
    await v1.startWorker();
    const id = await v1.execute('order', { n: 2 });
    await waitingAt(v1, id, 'approve');
    await v1.signal('order', id, 'approve', { n: 2 });
    await waitFor(async () => (await v1.state('order', id)).nodes['B']?.status === 'running');
    // A worker of another version publishes v2 (B -> D instead of B -> C) as current.
    const v2 = newService({ prefix });
    v2.register('order', order('B', 'D'), { revision: 2 });
    await v2.startWorker();
    const before = await v1.state('order', id);
    await expect(v1.migrate('order', id)).rejects.toMatchObject({
      code: ErrorCode.MIGRATION_REFUSED,
      details: { reason: 'running', nodes: ['B'] },
    });
    expect(await v1.state('order', id)).toEqual(before);
    await v1.pause('order', id);
    release();
    await waitFor(async () => (await v1.state('order', id)).nodes['B']?.status === 'completed');
    // B's completion held C (paused); the new shape drops it and holds D instead.
    const migrated = await v1.migrate('order', id);
    expect(migrated.released).toEqual(['D']);
    await v1.resume('order', id);
    expect(await v1.waitForResult('order', id, { timeoutMs: 10_000 })).toEqual({
      n: 2,
      B: true,
      D: true,
    });
  });

  it('fails a node no live worker can run after stepUnavailableTimeoutMs; migrateAll and rerun finish such requests', async () => {
    const prefix = prefixFor();
    const v1 = newService({ prefix });
    v1.register('order', order('B', 'C'), { revision: 1 });
    await v1.startWorker();
    const ids = await Promise.all([1, 2, 3].map((n) => v1.execute('order', { n })));
    for (const id of ids) await waitingAt(v1, id, 'approve');
    await v1.close();
    const v2 = newService({ prefix, stepUnavailableTimeoutMs: 600 });
    v2.register('order', order('B'), { revision: 2 }); // C removed
    await v2.startWorker();
    for (const id of ids) await v2.signal('order', id, 'approve', { ok: id });
    await waitFor(
      async () =>
        (await Promise.all(ids.map((id) => v2.state('order', id)))).every(
          (state) => state.status === 'failed',
        ),
      { timeoutMs: 15_000 },
    );
    const failed = await v2.state('order', ids[0] ?? '');
    expect(failed.error).toMatchObject({ node: 'C', code: ErrorCode.STEP_UNAVAILABLE });
    const from = failed.version ?? '';
    const bulk = await v2.migrateAll('order', { from });
    expect(bulk).toMatchObject({ from, matched: 3, migrated: 3, failed: [] });
    expect(bulk.to).not.toBe(from);
    for (const id of ids) {
      // C was the failed node: dropped; with every node of the new shape done, rerun completes it.
      await v2.rerun('order', id);
      expect(await v2.waitForResult('order', id, { timeoutMs: 10_000 })).toEqual({
        ok: id,
        B: true,
      });
    }
  });

  it('keeps the current version moving forward: an older registration does not take it back, a higher revision does', async () => {
    const prefix = prefixFor();
    const versionOf = async (client: FlowService) =>
      (await client.versions('order')).find((v) => v.current)?.version;
    const v1 = newService({ prefix });
    v1.register('order', order('B'), { revision: 1 });
    await v1.startWorker();
    const first = await versionOf(v1);
    const v2 = newService({ prefix });
    v2.register('order', order('B', 'C'), { revision: 2 });
    await v2.startWorker();
    const second = await versionOf(v2);
    expect(second).not.toBe(first);
    await v1.close();
    const restarted = newService({ prefix });
    restarted.register('order', order('B'), { revision: 1 });
    await restarted.startWorker();
    expect(await versionOf(restarted)).toBe(second);
    const rollback = newService({ prefix });
    rollback.register('order', order('B'), { revision: 3 });
    await rollback.startWorker();
    expect(await versionOf(rollback)).toBe(first);
    const listed = await rollback.versions('order');
    expect(listed.find((v) => v.version === first)).toMatchObject({ current: true, revision: 3 });
    // The same shape restarted with its old revision does not lower the current one's.
    const again = newService({ prefix });
    again.register('order', order('B'), { revision: 1 });
    await again.startWorker();
    expect((await again.versions('order')).find((v) => v.current)).toMatchObject({
      version: first,
      revision: 3,
    });
  });

  it('holds an unavailable node of a paused request, and runs it on resume once a worker with its code is back', async () => {
    const prefix = prefixFor();
    const v1 = newService({ prefix });
    v1.register('order', order('B', 'C'), { revision: 1 });
    await v1.startWorker();
    const id = await v1.execute('order', { n: 3 });
    await waitingAt(v1, id, 'approve');
    await v1.close();
    const v2 = newService({ prefix });
    v2.register('order', order('B'), { revision: 2 });
    await v2.startWorker();
    await v2.signal('order', id, 'approve', { n: 3 });
    await waitFor(
      async () => (await v2.state('order', id)).nodes['C']?.reason === 'STEP_UNAVAILABLE',
      { timeoutMs: 10_000 },
    );
    await v2.pause('order', id);
    // The next give-back finds the request paused: C is held (as beginNode would), its job ends.
    const redis = new Redis(inject('redisUrl'));
    await waitFor(
      async () => (await redis.sismember(`${prefix}:r:{order/${id}}:held`, 'C')) === 1,
      {
        timeoutMs: 10_000,
      },
    );
    redis.disconnect();
    const restarted = newService({ prefix });
    restarted.register('order', order('B', 'C'), { revision: 1 });
    await restarted.startWorker();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await v2.resume('order', id);
    expect(await v2.waitForResult('order', id, { timeoutMs: 15_000 })).toEqual({
      n: 3,
      B: true,
      C: true,
    });
  });
});
