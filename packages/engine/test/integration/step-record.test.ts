import { ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { stepTimesOf } from '../../src/format/step-record.js';
import { nodeState } from '../../src/store/reads/request-state.js';
import { defineScripts, runScript } from '../../src/store/scripts/scripts.js';
import { createRequestsArgs } from '../../src/store/scripts/new-request-args.js';
import { completeNodeArgs, ownArgs, specArgs } from '../../src/store/scripts/completion-args.js';
import { newService, prefixFor } from './helpers.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  defineScripts(redis);
});
afterAll(async () => {
  await redis.quit();
});

/** A new request's keys, created pending. */
async function newRequest(request: string) {
  const keys = new Keys(prefixFor()).request('record', request);
  await runScript(
    redis,
    'createRequests',
    [keys.state, keys.data],
    createRequestsArgs(1_000, 'test-events', [{ input: '1', version: 'v1', message: 'f/r' }]),
  );
  return keys;
}

/** Completes step A (successor B, one parent) at `now` as the attempt `owner`. */
function completeA(
  keys: ReturnType<Keys['request']>,
  owner: string,
  now: number,
  startedAt?: number,
) {
  const shared = specArgs({
    terminals: 0,
    retention: 60_000,
    channel: 'ch',
    message: 'm',
    successors: ['B', 1],
  });
  const own = ownArgs({
    path: 'A',
    output: '"a"',
    owner,
    ...(startedAt === undefined ? {} : { startedAt }),
  });
  return runScript(
    redis,
    'completeNode',
    [keys.state, keys.data, keys.store, keys.held, keys.stream],
    completeNodeArgs(now, { shared, own }),
  );
}

/** The state fields of step A (`<prefix>|A`). */
async function fieldsOfA(state: string): Promise<Record<string, string>> {
  const all = await redis.hgetall(state);
  return Object.fromEntries(Object.entries(all).filter(([field]) => field.endsWith('|A')));
}

describe('completed step record', () => {
  it('keeps a completed step begun through beginNode in s| and d| (and its count), readable as before', async () => {
    const keys = await newRequest('begun');
    await runScript(
      redis,
      'beginNode',
      [keys.state, keys.data, keys.held],
      ['A', 1_200, '0.3', 'in'],
    );
    expect(await fieldsOfA(keys.state)).toMatchObject({ 't0|A': '1200', 'w|A': '0.3' });
    expect(await completeA(keys, '0.3', 1_450)).toEqual([0, ['B']]);
    const fields = await fieldsOfA(keys.state);
    expect(fields).toEqual({ 's|A': 'completed', 'd|A': '1200,250,0.3', 'a|A': '1' });
    expect(nodeState(fields, 'A')).toMatchObject({
      status: 'completed',
      attempts: 1,
      startedAt: 1_200,
      finishedAt: 1_450,
    });
  });

  it('keeps a step completed after an implied begin in s| and d| only', async () => {
    const keys = await newRequest('implied');
    // An owner token may hold commas (a job path's item key): it comes last, whole.
    const owner = '0.1@each[a,b]/x';
    expect(await completeA(keys, owner, 2_000, 1_900)).toEqual([0, ['B']]);
    const fields = await fieldsOfA(keys.state);
    expect(fields).toEqual({ 's|A': 'completed', 'd|A': `1900,100,${owner}` });
    expect(nodeState(fields, 'A')).toMatchObject({
      attempts: 1,
      startedAt: 1_900,
      finishedAt: 2_000,
    });
    // Its owner is still known: a repeat by it is recognised, another attempt's is stale.
    expect(await completeA(keys, owner, 2_100)).toEqual([1, ['B'], [], 0]);
    expect(await completeA(keys, '0.2', 2_100)).toEqual([3, owner]);
  });

  it('recognises the owner’s repeated completion after compaction, and fences another attempt’s', async () => {
    const keys = await newRequest('repeat');
    await runScript(
      redis,
      'beginNode',
      [keys.state, keys.data, keys.held],
      ['A', 1_200, '4.2', 'in'],
    );
    expect(await completeA(keys, '4.2', 1_300)).toEqual([0, ['B']]);
    const after = await redis.hgetall(keys.state);
    expect(after['w|A']).toBeUndefined();
    // The owner's repeat re-derives the release with its generation (4); so does a job whose beginNode
    // found the step completed (token ''), from the record's owner.
    expect(await completeA(keys, '4.2', 1_400)).toEqual([1, ['B'], [], 4]);
    expect(await completeA(keys, '', 1_400)).toEqual([1, ['B'], [], 4]);
    // Another delivery, another generation: stale, naming the owner; nothing written.
    expect(await completeA(keys, '4.1', 1_400)).toEqual([3, '4.2']);
    expect(await completeA(keys, '3.1', 1_400)).toEqual([3, '4.2']);
    expect(await redis.hgetall(keys.state)).toEqual(after);
    expect(await redis.hget(keys.data, 'o|A')).toBe('"a"');
  });

  it('reads and fences a step completed by an earlier version (t0|, t1|, w|, no d|) as before', async () => {
    const keys = await newRequest('old');
    await redis.hset(keys.state, 's|A', 'completed', 't0|A', '1100', 't1|A', '1350', 'w|A', '2.1');
    await redis.hset(keys.data, 'o|A', '"old"');
    const fields = await fieldsOfA(keys.state);
    expect(nodeState(fields, 'A')).toMatchObject({ startedAt: 1_100, finishedAt: 1_350 });
    expect(stepTimesOf(fields, 'A')).toEqual({ startedAt: 1_100, finishedAt: 1_350 });
    expect(await completeA(keys, '2.1', 1_400)).toEqual([1, ['B'], [], 2]);
    expect(await completeA(keys, '2.2', 1_400)).toEqual([3, '2.1']);
    expect(await fieldsOfA(keys.state)).toEqual(fields);
  });

  it('rerunFrom drops a compact step’s record with its status, so that the rerun step keeps no owner', async () => {
    const keys = await newRequest('rerun');
    expect(await completeA(keys, '0.1', 2_000, 1_900)).toEqual([0, ['B']]);
    expect(await redis.hget(keys.state, 'd|A')).toBe('1900,100,0.1');
    await redis.hset(keys.state, 'status', 'completed');
    const generation = (await redis.hget(keys.state, 'generation')) ?? '';
    const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
    const rerun = [
      '["A"]',
      '[]',
      '["A"]',
      '',
      '',
      '{"from":"A","at":3000}',
      3_000,
      60_000,
      'ch',
      'm',
    ];
    const begun = (await runScript(redis, 'rerunFrom', all, [
      'completed',
      generation,
      ...rerun,
    ])) as [number, string[], number];
    expect(begun[0]).toBe(0);
    // The rerun's slices (rerunSlice.lua) release A again, and B (queued by A's completion) with it.
    const slice = async () =>
      (
        (await runScript(redis, 'rerunSlice', all, [begun[2], 100, 'ch', 'm'])) as [number, number]
      )[1];
    let done = 0;
    for (let i = 0; i < 10 && done !== 1; i++) done = await slice();
    expect(done).toBe(1);
    expect(await redis.hmget(keys.state, 'status', 's|B')).toEqual(['running', null]);
    // Released again, under the new generation's reset owner; no record, start or finish of the old run.
    expect(await fieldsOfA(keys.state)).toEqual({ 'w|A': 'r1' });
    expect(nodeState(await redis.hgetall(keys.state), 'A')).not.toHaveProperty('startedAt');
    // The old attempt's late repeat is stale now.
    expect(await completeA(keys, '0.1', 3_100)).toEqual([3, 'r1']);
  });

  it('reads a record without a start, and takes a record only for a completed step', () => {
    expect(stepTimesOf({ 's|A': 'completed', 'd|A': ',1500,0.1' }, 'A')).toEqual({
      finishedAt: 1_500,
    });
    // A record left behind a step that runs again (a migration by an earlier version) is not read.
    expect(stepTimesOf({ 's|A': 'running', 't0|A': '1700', 'd|A': '1,1,0.1' }, 'A')).toEqual({
      startedAt: 1_700,
    });
  });
});

describe('completed step record, through a service', () => {
  it('leaves no t0|, t1| or w| for completed steps, and the state still shows their times', async () => {
    const prefix = prefixFor();
    const service = newService({ prefix });
    service.register('times', (dag) => {
      dag.node('a', () => 1);
      const each = dag.forEachBranch('each', (n: number) => ({ x: n, y: n + 1 }));
      each.node('double', (x: number) => x * 2);
      dag.edge('a', 'each');
    });
    await service.startWorker();
    const id = await service.execute('times', 1);
    await service.waitForResult('times', id, { timeoutMs: 10_000 });

    const state = await service.state('times', id);
    const page = await service.statePage('times', id, { nodes: '' });
    for (const view of [state, page]) {
      for (const [path, node] of Object.entries(view.nodes)) {
        expect(node.status, path).toBe('completed');
        expect(node.startedAt, path).toBeGreaterThan(0);
        expect(node.finishedAt, path).toBeGreaterThanOrEqual(node.startedAt ?? Infinity);
      }
    }
    expect(Object.keys(state.nodes)).toEqual(
      expect.arrayContaining(['a', 'each', 'each[x]/double', 'each[y]/double']),
    );
    const stored = await redis.hgetall(new Keys(prefix).request('times', id).state);
    const steps = Object.keys(stored).filter((field) => field.startsWith('s|'));
    expect(steps.length).toBeGreaterThan(3);
    for (const field of steps) {
      const path = field.slice(2);
      expect(stored[`d|${path}`], path).toBeDefined();
      for (const old of ['t0|', 't1|', 'w|']) expect(stored[`${old}${path}`], path).toBeUndefined();
    }
  });

  it('compensates the latest finished step first, its finish read from the record', async () => {
    const service = newService({ prefix: prefixFor() });
    const compensated: string[] = [];
    const compensate = (name: string) => ({
      compensate: () => void compensated.push(name),
    });
    service.register('saga', (dag) => {
      // A, first in the flow, finishes last: by flow order alone B would be compensated first.
      dag.node(
        'A',
        () => new Promise((resolve) => setTimeout(() => resolve(1), 300)),
        compensate('A'),
      );
      dag.node('B', () => 2, compensate('B'));
      dag.node('C', () => {
        throw new Error('C fails');
      });
      dag.edge('A', 'C').edge('B', 'C');
    });
    await service.startWorker();
    const id = await service.execute('saga', 1);
    await expect(service.waitForResult('saga', id)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
    });
    await waitFor(() => compensated.length === 2, { timeoutMs: 5_000 });
    const { nodes } = await service.state('saga', id);
    expect(nodes['A']?.finishedAt).toBeGreaterThan(nodes['B']?.finishedAt ?? Infinity);
    expect(compensated).toEqual(['A', 'B']);
  });
});
