import { type BulkProgress, type FlowService, ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { opsLog } from '../fixtures/ops-flows.mjs';
import { newService, prefixFor, spawnFixture } from './helpers.js';

/** Failed requests the bulk rerun takes over (OPS_BULK_COUNT for more). */
const COUNT = Number(process.env['OPS_BULK_COUNT'] ?? 5_000);

async function setup(): Promise<{ prefix: string; client: FlowService; redis: Redis }> {
  const prefix = prefixFor();
  await spawnFixture('ops-worker.mjs', prefix, { FLOWS: '1', BULK: 'off' });
  const client = newService({ prefix, bulkRunner: false });
  const redis = new Redis(inject('redisUrl'));
  return { prefix, client, redis };
}

async function executeMany(client: FlowService, count: number, code: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 500)
    ids.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(500, count - i) }, () => client.execute('flaky', { code })),
      )),
    );
  return ids;
}

async function failedCount(client: FlowService): Promise<number> {
  const dry = await client.bulk('flaky', { status: 'failed' }, 'rerun', { dryRun: true });
  return dry.matched;
}

describe('rerun from a node', () => {
  it('reruns the node with its new input and what follows it once; upstream keeps its output', async () => {
    const { prefix, client, redis } = await setup();
    const log = opsLog(inject('redisUrl'), prefix);
    const id = await client.execute('steps', 1);
    expect(await client.waitForResult('steps', id)).toEqual({ c: { B: { b: { a: 1 } }, S: 's' } });
    await client.rerun('steps', id, { from: 'B', input: 'new' });
    expect(await client.waitForResult('steps', id)).toEqual({ c: { B: { b: 'new' }, S: 's' } });
    const runs = await log.all();
    expect(runs).toEqual({ [`${id} A`]: 1, [`${id} S`]: 1, [`${id} B`]: 2, [`${id} C`]: 2 });
    const state = await client.state('steps', id);
    expect(state.reruns).toMatchObject([{ from: 'B', inputReplaced: true }]);
    // Without an input, from a root: everything runs again on the request's input.
    await client.rerun('steps', id, { from: 'A' });
    expect(await client.waitForResult('steps', id)).toEqual({ c: { B: { b: { a: 1 } }, S: 's' } });
    expect((await log.all())[`${id} S`]).toBe(2);
    await expect(client.rerun('steps', id, { from: 'nope' })).rejects.toMatchObject({
      code: ErrorCode.UNKNOWN_NODE,
    });
    await log.close();
    await redis.quit();
  });

  it('refuses a running request', async () => {
    const { client, redis } = await setup();
    const id = await client.execute('slow', null);
    await waitFor(async () => (await client.state('slow', id)).nodes['W']?.status === 'running');
    await expect(client.rerun('slow', id, { from: 'W' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_TRANSITION,
    });
    expect(await client.waitForResult('slow', id)).toBe('w');
    await redis.quit();
  });
});

describe('bulk actions', () => {
  it(`reruns ${COUNT} failed requests once each though the process running the bulk dies`, async () => {
    const { prefix, client, redis } = await setup();
    const log = opsLog(inject('redisUrl'), prefix);
    await redis.set(`${prefix}:fail`, '1');
    const fives = await executeMany(client, COUNT, 'HTTP_5XX');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fours = await executeMany(client, 50, 'HTTP_4XX');
    await waitFor(async () => (await failedCount(client)) === COUNT + 50, { timeoutMs: 60_000 });
    // Dry runs count exactly, by status, error code and creation time.
    const dry = (filter: Parameters<FlowService['bulk']>[1]) =>
      client.bulk('flaky', filter, 'rerun', { dryRun: true });
    expect(await dry({ errorCode: 'HTTP_5XX' })).toEqual({ dryRun: true, matched: COUNT });
    expect(await dry({ status: 'failed', errorCode: 'HTTP_4XX' })).toEqual({
      dryRun: true,
      matched: 50,
    });
    expect(await dry({ createdAfter: after })).toEqual({ dryRun: true, matched: 50 });
    expect(await dry({ createdBefore: after })).toEqual({ dryRun: true, matched: COUNT });
    expect(await dry({ status: 'completed' })).toEqual({ dryRun: true, matched: 0 });

    const runners = await Promise.all([
      spawnFixture('ops-worker.mjs', prefix),
      spawnFixture('ops-worker.mjs', prefix),
    ]);
    await redis.del(`${prefix}:fail`);
    const started = Date.now();
    const { id } = await client.startBulk(
      'flaky',
      { status: 'failed', errorCode: 'HTTP_5XX' },
      'rerun',
    );
    let progress: BulkProgress | undefined;
    await waitFor(
      async () => {
        progress = await client.bulkProgress('flaky', id);
        return progress.done >= COUNT / 5 && progress.runner !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    const running = runners.find((runner) => progress?.runner?.endsWith(`:${runner.pid}`));
    expect(running).toBeDefined();
    await running?.kill();
    const killedAt = (await client.bulkProgress('flaky', id)).done;
    await waitFor(async () => (await client.bulkProgress('flaky', id)).status === 'completed', {
      timeoutMs: 80_000,
    });
    const final = await client.bulkProgress('flaky', id);
    expect(final).toMatchObject({ matched: COUNT, done: COUNT, failed: 0, skipped: 0 });
    expect(killedAt).toBeLessThan(COUNT);
    await waitFor(
      async () =>
        (await client.bulk('flaky', { status: 'completed' }, 'delete', { dryRun: true }))
          .matched === COUNT,
      { timeoutMs: 60_000 },
    );
    const runs = await log.all();
    expect(fives.filter((rid) => runs[`${rid} F`] !== 2)).toEqual([]);
    expect(fours.filter((rid) => runs[`${rid} F`] !== 1)).toEqual([]);
    console.log(
      `bulk rerun of ${COUNT}: ${Date.now() - started} ms (runner killed at ${killedAt})`,
    );

    // The same bulk again finds nothing to do: no request runs a third time.
    const again = await client.bulk('flaky', { status: 'failed', errorCode: 'HTTP_5XX' }, 'rerun');
    expect(again).toMatchObject({ matched: 0, done: 0, failed: 0 });
    const fourId = fours[0] ?? '';
    expect((await log.all())[`${fourId} F`]).toBe(1);
    await log.close();
    await redis.quit();
  });

  it('deletes finished requests with every key of theirs, refuses unfinished ones, twice is harmless', async () => {
    const { prefix, client, redis } = await setup();
    await spawnFixture('ops-worker.mjs', prefix);
    const done = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.execute('steps', i)),
    );
    await Promise.all(done.map((id) => client.waitForResult('steps', id)));
    const slow = await client.execute('slow', null);
    await waitFor(async () => (await client.state('slow', slow)).status === 'running');
    const deleted = await client.bulk('steps', { status: 'completed' }, 'delete');
    expect(deleted).toMatchObject({ matched: 30, done: 30, failed: 0 });
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    expect(keys.filter((key) => done.some((id) => key.includes(id)))).toEqual([]);
    expect(await redis.zcard(`${prefix}:requests:{steps}`)).toBe(0);
    // Unfinished: refused with its code.
    const refused = await client.bulk('slow', {}, 'delete');
    expect(refused).toMatchObject({ matched: 1, done: 0, failed: 1 });
    expect(refused.failures).toEqual([{ requestId: slow, code: ErrorCode.INVALID_TRANSITION }]);
    expect((await client.state('slow', slow)).status).toBe('running');
    const twice = await client.bulk('steps', { status: 'completed' }, 'delete');
    expect(twice).toMatchObject({ matched: 0, done: 0, failed: 0 });
    await redis.quit();
  });
});
