import { Redis } from 'ioredis';
import { waitFor } from '@dagflow/test-utils';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { defineScripts, runScript } from '../../src/store/scripts/scripts.js';
import { createRequestsArgs } from '../../src/store/scripts/new-request-args.js';
import { StepWrites } from '../../src/store/step-writes.js';
import { prefixFor } from './helpers.js';

let redis: Redis;
let monitor: Redis | undefined;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  defineScripts(redis);
});
afterAll(async () => {
  monitor?.disconnect();
  await redis.quit();
});

it('sends the completions of one request issued in one tick as a few script calls, their shared spec once', async () => {
  const keys = new Keys(prefixFor());
  const store = new StepWrites(redis, keys, {
    completedMs: 60_000,
    failedMs: 60_000,
    pausedMs: 60_000,
  });
  const request = keys.request('fan', 'r1');
  await runScript(
    redis,
    'createRequests',
    [request.state, request.data],
    createRequestsArgs(1, 'test-events', [{ input: '1', version: 'v1', message: 'f/r' }]),
  );
  await redis.hset(request.state, 'j|each', -450);

  const calls: string[] = [];
  const argCounts: number[] = [];
  monitor = await redis.monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    const command = args[0]?.toLowerCase() ?? '';
    if ((command === 'eval' || command === 'evalsha') && args[3] === request.state) {
      calls.push(command);
      argCounts.push(args.length);
    }
  });
  const spec = { successors: ['each', 0], terminalCount: 0 };
  const results = await Promise.all(
    Array.from({ length: 450 }, (_, i) =>
      store.completeNodeInBatch(
        'fan',
        'r1',
        { path: `each[${i}]/work`, output: String(i), owner: '0.1' },
        spec,
      ),
    ),
  );
  // 450 completions, batches of at most 200: three calls; only the last completion releases the join.
  await waitFor(() => calls.length >= 3, { timeoutMs: 2_000 }); // MONITOR lines trail the replies
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(calls).toHaveLength(3);
  // The first call: 200 steps of one spec; the spec goes once, each step adds its own 6 arguments
  // (path, output, start, owner, 0 extra fields, no join to begin).
  expect(argCounts[0]).toBeLessThan(200 * 6 + 30);
  expect(results.slice(0, 449).every((r) => r.kind === 'released' && r.ready.length === 0)).toBe(
    true,
  );
  expect(results[449]).toEqual({ kind: 'released', ready: ['each'], completedRequest: false });
  expect(await redis.hget(request.data, 'o|each[449]/work')).toBe('449');
  expect(await redis.hget(request.state, 's|each[0]/work')).toBe('completed');
});

it('sends the completions of several requests issued in one tick as one script call', async () => {
  const keys = new Keys(prefixFor());
  const store = new StepWrites(redis, keys, {
    completedMs: 60_000,
    failedMs: 60_000,
    pausedMs: 60_000,
  });
  const requests = ['a', 'b', 'c'].map((id) => ({ id, keys: keys.request('one', id) }));
  await runScript(
    redis,
    'createRequests',
    requests.flatMap(({ keys: k }) => [k.state, k.data]),
    createRequestsArgs(
      1,
      'test-events',
      requests.map(({ id }) => ({ input: '1', version: 'v1', message: `one/${id}` })),
    ),
  );
  const states = new Set(requests.map(({ keys: k }) => k.state));
  const calls: string[][] = [];
  monitor?.disconnect();
  monitor = await redis.monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    const command = args[0]?.toLowerCase() ?? '';
    if ((command === 'eval' || command === 'evalsha') && args.some((arg) => states.has(arg)))
      calls.push(args);
  });
  // Each request's only node is its terminal: each completion completes its request.
  const spec = { successors: [], terminalCount: 1 };
  const results = await Promise.all(
    requests.map(({ id }) =>
      store.completeNodeInBatch(
        'one',
        id,
        { path: 'only', output: JSON.stringify(id), owner: '0.1' },
        spec,
      ),
    ),
  );
  await waitFor(() => calls.length >= 1, { timeoutMs: 2_000 }); // MONITOR lines trail the replies
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(calls).toHaveLength(1);
  expect(results.map((r) => r.kind === 'released' && r.completedRequest)).toEqual([
    true,
    true,
    true,
  ]);
  for (const { id, keys: k } of requests) {
    expect(await redis.hget(k.state, 'status')).toBe('completed');
    expect(await redis.hget(k.data, 'o|only')).toBe(JSON.stringify(id));
  }
});
