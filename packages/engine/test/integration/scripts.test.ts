import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Keys } from '../../src/keys.js';
import { SCRIPT_NAMES, defineScripts, runScript, scriptSource } from '../../src/scripts.js';
import { prefixFor } from './helpers.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  defineScripts(redis);
});
afterAll(async () => {
  await redis.quit();
});

/** Both request hashes, to compare before and after a script runs. */
async function snapshot(keys: { state: string; data: string }): Promise<unknown> {
  return { state: await redis.hgetall(keys.state), data: await redis.hgetall(keys.data) };
}

describe('Lua scripts', () => {
  it('every script loads', async () => {
    for (const name of SCRIPT_NAMES) {
      expect(await redis.script('LOAD', scriptSource(name))).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('completeNodes completes several steps in order, each as completeNode would', async () => {
    const prefix = prefixFor();
    const args = (node: string) => [
      node,
      1_000,
      `"${node}"`,
      0,
      60_000,
      'ch',
      'm',
      1,
      'J',
      3,
      0,
      '',
      '',
    ];
    const setUp = async (request: string) => {
      const keys = new Keys(prefix).request('fan', request);
      await runScript(redis, 'createRequest', [keys.state, keys.data], [1_000, '1', '', 'v1']);
      return [keys.state, keys.data, keys.store, keys.held];
    };
    // One by one on one request, all three at once on another: same replies, same hashes.
    const single = await setUp('one');
    const replies = [];
    for (const node of ['x', 'y', 'z'])
      replies.push(await runScript(redis, 'completeNode', single, args(node)));
    const batched = await setUp('all');
    const batchArgs = [3, ...['x', 'y', 'z'].flatMap((node) => [args(node).length, ...args(node)])];
    expect(await runScript(redis, 'completeNodes', batched, batchArgs)).toEqual(replies);
    expect(replies).toEqual([
      [0, []],
      [0, []],
      [0, ['J']],
    ]);
    const hashes = ([state = '', data = '']: string[]) => snapshot({ state, data });
    expect(await hashes(batched)).toEqual(await hashes(single));
  });

  it('completeNode run twice returns the same ready set and changes nothing', async () => {
    const keys = new Keys(prefixFor()).request('diamond', 'r1');
    const complete = (node: string, successors: (string | number)[], terminals = 0) =>
      runScript(
        redis,
        'completeNode',
        [keys.state, keys.data, keys.store, keys.held],
        [
          node,
          Date.now(),
          `"${node}"`,
          terminals,
          60_000,
          'ch',
          'm',
          successors.length / 2,
          ...successors,
          0,
          '',
          '',
        ],
      );
    const begin = (node: string, fields: string[]) =>
      runScript(
        redis,
        'beginNode',
        [keys.state, keys.data, keys.held],
        [node, Date.now(), ...fields],
      );
    await runScript(redis, 'createRequest', [keys.state, keys.data], [Date.now(), '1', '', 'v1']);

    expect(await begin('A', ['in'])).toEqual([0, 1, null, '1']);
    expect(await complete('A', ['B', 1, 'C', 1])).toEqual([0, ['B', 'C']]);
    const afterA = await snapshot(keys);
    expect(await complete('A', ['B', 1, 'C', 1])).toEqual([1, ['B', 'C'], []]);
    expect(await snapshot(keys)).toEqual(afterA);

    await begin('B', ['o|A']);
    await begin('C', ['o|A']);
    expect(await complete('B', ['D', 2])).toEqual([0, []]);
    expect(await complete('C', ['D', 2])).toEqual([0, ['D']]);
    const afterC = await snapshot(keys);
    // The parent that released the join keeps releasing it; the other never does.
    expect(await complete('B', ['D', 2])).toEqual([1, [], []]);
    expect(await complete('C', ['D', 2])).toEqual([1, ['D'], []]);
    expect(await snapshot(keys)).toEqual(afterC);

    // Once D began, a repeated completion of C still names it but marks it started.
    expect(await begin('D', ['o|B', 'o|C'])).toEqual([0, 1, null, '"B"', '"C"']);
    expect(await complete('C', ['D', 2])).toEqual([1, ['D'], ['D']]);
    // A node that completed never begins again.
    expect(await begin('A', ['in'])).toEqual([1]);
  });

  it('marks a successor enqueued by the caller queued, returns it only on a repeat, and never holds it', async () => {
    const keys = new Keys(prefixFor()).request('chain', 'r3');
    await runScript(redis, 'createRequest', [keys.state, keys.data], [Date.now(), '1', '', 'v1']);
    const complete = () =>
      runScript(
        redis,
        'completeNode',
        [keys.state, keys.data, keys.store, keys.held],
        ['A', Date.now(), '1', 0, 60_000, 'ch', 'm', 1, 'B', 'e', 0, '', ''],
      );
    expect(await complete()).toEqual([0, []]);
    expect(await redis.hget(keys.state, 's|B')).toBe('queued');
    expect(await complete()).toEqual([1, ['B'], []]);
    await runScript(
      redis,
      'controlRequest',
      [keys.state, keys.data, keys.store, keys.held],
      ['pause', Date.now(), 60_000, 'ch', 'm'],
    );
    const pausedKeys = new Keys(prefixFor()).request('chain', 'r4');
    await runScript(
      redis,
      'createRequest',
      [pausedKeys.state, pausedKeys.data],
      [Date.now(), '1', '', 'v1'],
    );
    await runScript(
      redis,
      'controlRequest',
      [pausedKeys.state, pausedKeys.data, pausedKeys.store, pausedKeys.held],
      ['pause', Date.now(), 60_000, 'ch', 'm'],
    );
    await runScript(
      redis,
      'completeNode',
      [pausedKeys.state, pausedKeys.data, pausedKeys.store, pausedKeys.held],
      ['A', Date.now(), '1', 0, 60_000, 'ch', 'm', 2, 'B', 'e', 'C', 1, 0, '', ''],
    );
    expect(await redis.smembers(pausedKeys.held)).toEqual(['C']);
  });

  it('stores JSON-packed item inputs and marks the entries the caller enqueues, once', async () => {
    const keys = new Keys(prefixFor()).request('fan', 'r5');
    await runScript(redis, 'createRequest', [keys.state, keys.data], [Date.now(), '1', '', 'v1']);
    const inputs = JSON.stringify(['o|each[a]/@item', '"A"', 'o|each[b]/@item', '"B"']);
    const entries = JSON.stringify(['each[a]/check', 'each[b]/check']);
    const start = () =>
      runScript(
        redis,
        'completeNode',
        [keys.state, keys.data, keys.store, keys.held],
        ['each/@start', Date.now(), '0', 0, 60_000, 'ch', 'm', 0, 1, 'j|each', -2, inputs, entries],
      );
    expect(await start()).toEqual([0, []]);
    expect(await redis.hmget(keys.data, 'o|each[a]/@item', 'o|each[b]/@item')).toEqual([
      '"A"',
      '"B"',
    ]);
    expect(await redis.hmget(keys.state, 's|each[a]/check', 's|each[b]/check', 'j|each')).toEqual([
      'queued',
      'queued',
      '-2',
    ]);
    await redis.hset(keys.state, 's|each[a]/check', 'running');
    // A repeat returns the entries, naming those that started; the counter is not set again.
    await redis.hset(keys.state, 'j|each', '-1');
    expect(await start()).toEqual([1, ['each[a]/check', 'each[b]/check'], ['each[a]/check']]);
    expect(await redis.hget(keys.state, 'j|each')).toBe('-1');
  });

  it('completes the request when its last terminal completes, once', async () => {
    const keys = new Keys(prefixFor()).request('fork', 'r2');
    await runScript(redis, 'createRequest', [keys.state, keys.data], [Date.now(), '1', '', 'v1']);
    const finish = (node: string) =>
      runScript(
        redis,
        'completeNode',
        [keys.state, keys.data, keys.store, keys.held],
        [node, Date.now(), '0', 2, 60_000, 'ch', 'm', 0, 0, '', ''],
      );
    await finish('x');
    expect(await redis.hget(keys.state, 'status')).toBe('pending');
    await finish('y');
    await finish('y');
    expect(await redis.hget(keys.state, 'status')).toBe('completed');
    expect(await redis.hget(keys.state, 'terminalsDone')).toBe('2');
    expect(await redis.pttl(keys.state)).toBeGreaterThan(50_000);
  });
});
