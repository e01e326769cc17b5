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

it('begins the steps of several requests issued in one tick in one script call, each as beginNode would', async () => {
  const keys = new Keys(prefixFor());
  const store = new StepWrites(redis, keys, {
    completedMs: 60_000,
    failedMs: 60_000,
    pausedMs: 60_000,
  });
  // Four requests: running with the join's inputs stored, completed join, paused, and one never created.
  const ids = ['run', 'done', 'paused', 'none'];
  const request = (id: string) => keys.request('fan', id);
  await runScript(
    redis,
    'createRequests',
    ids.slice(0, 3).flatMap((id) => [request(id).state, request(id).data]),
    createRequestsArgs(
      1,
      'test-events',
      ids.slice(0, 3).map((id) => ({ input: '1', version: 'v1', message: `fan/${id}` })),
    ),
  );
  for (const id of ids.slice(0, 3)) {
    await redis.hset(request(id).data, 'o|a', '"A"', 'o|b', '"B"', 'ctx', '{"q":1}');
    await redis.hset(request(id).state, 'status', 'running');
  }
  await redis.hset(request('done').state, 's|join', 'completed');
  await redis.hset(request('paused').state, 'status', 'paused');

  const states = new Set(ids.map((id) => request(id).state));
  const calls: string[][] = [];
  monitor = await redis.monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    const command = args[0]?.toLowerCase() ?? '';
    if ((command === 'eval' || command === 'evalsha') && args.some((arg) => states.has(arg)))
      calls.push(args);
  });
  const results = await Promise.all(
    ids.map((id) => store.beginNode('fan', id, { path: 'join', owner: '0.1' }, ['o|a', 'o|b'])),
  );
  await waitFor(() => calls.length >= 1, { timeoutMs: 2_000 }); // MONITOR lines trail the replies
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(calls).toHaveLength(1);
  expect(results).toEqual([
    { kind: 'run', owner: '0.1', attempt: 1, context: '{"q":1}', inputs: ['"A"', '"B"'] },
    { kind: 'completed' },
    { kind: 'not-running', status: 'paused' },
    { kind: 'missing' },
  ]);
  expect(await redis.hmget(request('run').state, 's|join', 'w|join', 'a|join')).toEqual([
    'running',
    '0.1',
    '1',
  ]);
  // The paused request holds the step for resume, as beginNode does.
  expect(await redis.smembers(request('paused').held)).toEqual(['join']);

  // A later attempt of another generation is fenced the same way: a newer owner wins, an older is stale.
  const [newer, older] = await Promise.all([
    store.beginNode('fan', 'run', { path: 'join', owner: '2.1' }, ['o|a']),
    store.beginNode('fan', 'run', { path: 'join', owner: '1.1' }, ['o|a']),
  ]);
  expect(newer).toMatchObject({ kind: 'run', owner: '2.1', attempt: 2 });
  expect(older).toEqual({ kind: 'stale', owner: '2.1' });
});

it('begins a join of more inputs than a batched call carries alone, and answers its inputs', async () => {
  const keys = new Keys(prefixFor());
  const store = new StepWrites(redis, keys, {
    completedMs: 60_000,
    failedMs: 60_000,
    pausedMs: 60_000,
  });
  const { state, data } = keys.request('fan', 'wide');
  await runScript(
    redis,
    'createRequests',
    [state, data],
    createRequestsArgs(1, 'test-events', [{ input: '1', version: 'v1', message: 'fan/wide' }]),
  );
  await redis.hset(state, 'status', 'running');
  const fields = Array.from({ length: 2_500 }, (_, i) => `o|item${i}`);
  await redis.hset(data, ...fields.flatMap((field, i) => [field, String(i)]));
  const [wide, small] = await Promise.all([
    store.beginNode('fan', 'wide', { path: 'join', owner: '0.1' }, fields),
    store.beginNode('fan', 'wide', { path: 'other', owner: '0.1' }, ['o|item7']),
  ]);
  expect(wide).toMatchObject({ kind: 'run', owner: '0.1', attempt: 1, context: null });
  expect(wide.kind === 'run' && wide.inputs).toEqual(fields.map((_, i) => String(i)));
  expect(small).toMatchObject({ kind: 'run', inputs: ['7'] });
});
