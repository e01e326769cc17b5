import { ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The start deadline behind a concurrency key, deadlineMs and the removal of the deadline job run on
// the test kit's virtual clock: packages/tests/test/integration/virtual-time/deadlines.test.ts. This
// one keeps a handler running (aborted by the stop), which the kit's idle wait would wait for.
describe('deadlines', () => {
  it('stops a request past finishMs, running its compensations; a paused one too', async () => {
    const prefix = prefixFor();
    const service = newService({ prefix });
    const compensated: string[] = [];
    service.register(
      'slow',
      (dag) => {
        dag.node('book', (n: number) => n, {
          compensate: () => void compensated.push('book'),
        });
        dag.node('wait', async (n: number, ctx) => {
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          return n;
        });
        dag.edge('book', 'wait');
      },
      { deadline: { finishMs: 800 } },
    );
    await service.startWorker();
    const id = await service.execute('slow', 1);
    await waitFor(async () => (await service.state('slow', id)).status === 'stopped', {
      timeoutMs: 5_000,
    });
    const state = await service.state('slow', id);
    expect(state.error?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(state.deadline?.finishBy).toBeCloseTo(state.createdAt + 800, -2);
    expect(state.finishedAt! - state.createdAt).toBeGreaterThanOrEqual(790);
    await waitFor(() => Promise.resolve(compensated.length === 1));
    await waitFor(
      async () => (await service.state('slow', id)).nodes['book']?.compensation !== undefined,
    );
    // A paused request past its finish deadline is stopped as well.
    const paused = await service.execute('slow', 2);
    await waitFor(
      async () => (await service.state('slow', paused)).nodes['wait']?.status === 'running',
    );
    await service.pause('slow', paused);
    await waitFor(async () => (await service.state('slow', paused)).status === 'stopped', {
      timeoutMs: 5_000,
    });
    expect((await service.state('slow', paused)).error?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(await service.metrics()).toMatch(
      /dagflow_deadline_exceeded_total\{flow="slow",kind="finish"\} 2/,
    );
  });
});

describe('singleton runs', () => {
  it('skip: of 50 concurrent executes of one key exactly one runs; all answer its id; the next may start once it ended', async () => {
    const prefix = prefixFor();
    const service = newService({ prefix });
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    service.register(
      'sync',
      (dag) => dag.node('n', async (input: { account: string }) => gate.then(() => input.account)),
      {
        singleton: { key: (input: { account: string }) => input.account, mode: 'skip' },
      },
    );
    await service.startWorker();
    const skipped: string[] = [];
    const ids = await Promise.all(
      Array.from({ length: 50 }, () =>
        service.execute('sync', { account: 'a' }, { onSkipped: (id) => skipped.push(id) }),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    expect(skipped).toHaveLength(49);
    const other = await service.execute('sync', { account: 'b' }); // another key runs beside it
    expect(other).not.toBe(ids[0]);
    const { requests } = await service.listRequests('sync', { limit: 100 });
    expect(requests).toHaveLength(2);
    release();
    expect(await service.waitForResult('sync', ids[0]!)).toBe('a');
    await sleep(100); // the end clears the key
    const next = await service.execute('sync', { account: 'a' });
    expect(next).not.toBe(ids[0]);
    expect(await service.waitForResult('sync', next)).toBe('a');
  });

  it('cancel-previous: of 50 concurrent executes of one key the last is live, every other stopped (SUPERSEDED)', async () => {
    const prefix = prefixFor();
    const service = newService({ prefix });
    service.register(
      'latest',
      (dag) =>
        dag.node('n', async (_input: unknown, ctx) => {
          // Bounded: a root handed its input may begin just as its request is superseded.
          await new Promise((resolve) => {
            setTimeout(resolve, 3_000);
            ctx.signal.addEventListener('abort', resolve);
          });
        }),
      { singleton: { key: () => 'k', mode: 'cancel-previous' } },
    );
    await service.startWorker();
    const ids = await Promise.all(
      Array.from({ length: 50 }, () => service.execute('latest', null)),
    );
    expect(new Set(ids).size).toBe(50);
    await sleep(500);
    const states = await Promise.all(ids.map((id) => service.state('latest', id)));
    const live = states.filter((s) => ['pending', 'running', 'paused'].includes(s.status));
    expect(live).toHaveLength(1);
    const redis = new Redis(inject('redisUrl'));
    const [holderKey] = await redis.keys(`${prefix}:singleton:{latest}:*`);
    expect(await redis.get(holderKey!)).toBe(live[0]!.requestId);
    expect(await redis.pttl(holderKey!)).toBeGreaterThan(0);
    for (const s of states.filter((s) => s.status === 'stopped'))
      expect(s.error?.code).toBe(ErrorCode.SUPERSEDED);
    // A later execute supersedes the live one; stopping it clears the key.
    const last = await service.execute('latest', null);
    await waitFor(
      async () => (await service.state('latest', live[0]!.requestId)).status === 'stopped',
    );
    await service.stop('latest', last);
    await waitFor(async () => (await redis.exists(holderKey!)) === 0);
    await redis.quit();
  });
});
