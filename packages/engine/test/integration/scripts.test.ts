import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { RequestField } from '../../src/format/layout.js';
import {
  SCRIPT_NAMES,
  defineScripts,
  runScript,
  scriptSource,
} from '../../src/store/scripts/scripts.js';
import { createRequestsArgs } from '../../src/store/scripts/new-request-args.js';
import {
  type CompletionArgs,
  type CompletionOwnArgs,
  type CompletionSpecArgs,
  completeNodeArgs,
  completeNodesArgs,
  ownArgs,
  specArgs,
} from '../../src/store/scripts/completion-args.js';
import { failNodeArgs } from '../../src/store/scripts/fail-args.js';
import { runRerunSlices } from '../../src/store/rerun-slices.js';
import { prefixFor } from './helpers.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  defineScripts(redis);
});
afterAll(async () => {
  await redis.quit();
});

/** A step's completion, as `completeNode` takes it: now, the spec part, then the step's own part. */
function completion(
  step: Omit<CompletionOwnArgs, 'path' | 'output' | 'owner' | 'begin'> &
    Partial<Omit<CompletionSpecArgs, 'retention' | 'channel' | 'message'>> & {
      node: string;
      output?: string;
      now?: number;
      /** The completing attempt's owner token. */
      owner?: string;
      /** The join to begin if this completion releases it: path, owner token, input fields. */
      begin?: readonly [string, string, readonly string[]];
    },
): CompletionArgs & { now: number } {
  return {
    now: step.now ?? Date.now(),
    shared: specArgs({
      terminals: step.terminals ?? 0,
      retention: 60_000,
      channel: 'ch',
      message: 'm',
      successors: step.successors,
      dataJson: step.dataJson,
      enqueuedJson: step.enqueuedJson,
    }),
    own: ownArgs({
      path: step.node,
      output: step.output ?? `"${step.node}"`,
      startedAt: step.startedAt,
      owner: step.owner ?? '0.1',
      stateFields: step.stateFields,
      begin:
        step.begin === undefined
          ? undefined
          : { path: step.begin[0], owner: step.begin[1], fields: step.begin[2] },
    }),
  };
}

const completeArgs = (step: Parameters<typeof completion>[0]): (string | number)[] => {
  const one = completion(step);
  return completeNodeArgs(one.now, one);
};

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

  it('fails a call whose arguments do not fit the layout of its version (createRequests: before writing)', async () => {
    const keys = new Keys(prefixFor()).request('fan', 'layout');
    const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
    const request = { input: '1', version: 'v1', message: 'f/r' };
    const two = createRequestsArgs(1_000, 'test-events', [request, request]);
    // Two requests laid out one argument short each (as before the fair tag was added).
    const older = [...two.slice(0, 2 + 10), ...two.slice(2 + 11, 2 + 21)];
    const other = new Keys(prefixFor()).request('fan', 'layout2');
    await expect(
      runScript(redis, 'createRequests', [keys.state, keys.data, other.state, other.data], older),
    ).rejects.toThrow(
      /createRequests: 4 keys and 22 arguments do not fit the layout of this version \(2 \+ 11 per request/,
    );
    expect(await redis.exists(keys.state, keys.data, other.state, other.data)).toBe(0);
    await runScript(redis, 'createRequests', [keys.state, keys.data], two.slice(0, 13));

    // A batch of completions whose last own part carries an argument too many (an encoder that
    // drifted from the decoder): the call fails, checked when its parts have been walked.
    const { now, shared, own } = completion({ node: 'A', successors: ['B', 1] });
    const b = completion({ node: 'B' });
    const batch = completeNodesArgs(now, [[{ shared, owns: [own, [...b.own, 'x']] }]]);
    await expect(runScript(redis, 'completeNodes', all, batch)).rejects.toThrow(
      /completeNodes: 5 keys and \d+ arguments do not fit the layout of this version/,
    );
    const fits = completeNodesArgs(now, [[{ shared, owns: [own, b.own] }]]);
    expect(await runScript(redis, 'completeNodes', all, fits)).toHaveLength(2);
  });

  it('completeNodes completes several steps in order, each as completeNode would', async () => {
    const prefix = prefixFor();
    const step = (node: string, startedAt?: number) =>
      completion({
        node,
        now: 1_000,
        successors: ['J', 3],
        ...(startedAt === undefined ? {} : { startedAt }),
      });
    const setUp = async (request: string) => {
      const keys = new Keys(prefix).request('fan', request);
      await runScript(
        redis,
        'createRequests',
        [keys.state, keys.data],
        createRequestsArgs(1_000, 'test-events', [{ input: '1', version: 'v1', message: 'f/r' }]),
      );
      return [keys.state, keys.data, keys.store, keys.held, keys.stream];
    };
    const x = step('x', 900);
    const y = step('y');
    const z = step('z', 950);
    // A step with another spec (no successors) goes in a group of its own.
    const w = completion({ node: 'w', now: 1_000, stateFields: ['e|w', 'fell back'] });
    // One by one on one request, all four at once on another: same replies, same hashes.
    const single = await setUp('one');
    const replies = [];
    for (const one of [x, w, y, z])
      replies.push(await runScript(redis, 'completeNode', single, completeNodeArgs(1_000, one)));
    const batched = await setUp('all');
    const batchArgs = completeNodesArgs(1_000, [
      [
        { shared: x.shared, owns: [x.own, y.own, z.own] },
        { shared: w.shared, owns: [w.own] },
      ],
    ]);
    // Replies come group after group: x, y, z, then w.
    const [rx, rw, ry, rz] = replies;
    expect(await runScript(redis, 'completeNodes', batched, batchArgs)).toEqual([rx, ry, rz, rw]);
    expect(replies).toEqual([
      [0, []],
      [0, []],
      [0, []],
      [0, ['J']],
    ]);
    const hashes = ([state = '', data = '']: string[]) => snapshot({ state, data });
    expect(await hashes(batched)).toEqual(await hashes(single));
    const [state = ''] = batched;
    // A completed step keeps its start, how long it took and its owner in one record, its start written
    // there when it began without beginNode (its attempt, 1, implied); unknown (y), the finish instead.
    expect(
      await redis.hmget(state, 'd|x', 'a|x', 'd|y', 'e|w', 'd|z', 't0|x', 't1|z', 'w|z'),
    ).toEqual(['900,100,0.1', null, ',1000,0.1', 'fell back', '950,50,0.1', null, null, null]);
  });

  it('completeNode run twice returns the same ready set and changes nothing', async () => {
    const keys = new Keys(prefixFor()).request('diamond', 'r1');
    const complete = (node: string, successors: (string | number)[], terminals = 0) =>
      runScript(
        redis,
        'completeNode',
        [keys.state, keys.data, keys.store, keys.held, keys.stream],
        completeArgs({ node, terminals, successors }),
      );
    const begin = (node: string, fields: string[]) =>
      runScript(
        redis,
        'beginNode',
        [keys.state, keys.data, keys.held],
        [node, Date.now(), '0.1', ...fields],
      );
    await runScript(
      redis,
      'createRequests',
      [keys.state, keys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );

    expect(await begin('A', ['in'])).toEqual([0, 1, null, '1']);
    expect(await complete('A', ['B', 1, 'C', 1])).toEqual([0, ['B', 'C']]);
    const afterA = await snapshot(keys);
    expect(await complete('A', ['B', 1, 'C', 1])).toEqual([1, ['B', 'C'], [], 0]);
    expect(await snapshot(keys)).toEqual(afterA);

    await begin('B', ['o|A']);
    await begin('C', ['o|A']);
    expect(await complete('B', ['D', 2])).toEqual([0, []]);
    expect(await complete('C', ['D', 2])).toEqual([0, ['D']]);
    const afterC = await snapshot(keys);
    // The parent that released the join keeps releasing it; the other never does.
    expect(await complete('B', ['D', 2])).toEqual([1, [], [], 0]);
    expect(await complete('C', ['D', 2])).toEqual([1, ['D'], [], 0]);
    expect(await snapshot(keys)).toEqual(afterC);

    // Once D began, a repeated completion of C still names it but marks it started.
    expect(await begin('D', ['o|B', 'o|C'])).toEqual([0, 1, null, '"B"', '"C"']);
    expect(await complete('C', ['D', 2])).toEqual([1, ['D'], ['D'], 0]);
    // A node that completed never begins again.
    expect(await begin('A', ['in'])).toEqual([1]);
  });

  it('begins the join a completion releases, when asked to, exactly as beginNode would after it', async () => {
    const create = async (id: string) => {
      const keys = new Keys(prefixFor()).request('diamond', id);
      await runScript(
        redis,
        'createRequests',
        [keys.state, keys.data],
        createRequestsArgs(Date.now(), 'test-events', [
          { input: '1', version: 'v1', message: 'f/r' },
        ]),
      );
      return keys;
    };
    const join = ['D', '1.1@C', ['i|D', 'o|B', 'o|C']] as const;
    const keys = await create('r20');
    const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
    const complete = (node: string, begin?: typeof join) =>
      runScript(redis, 'completeNode', all, completeArgs({ node, successors: ['D', 2], begin }));
    // Not released yet: nothing begins.
    expect(await complete('B', join)).toEqual([0, []]);
    expect(await redis.hget(keys.state, 's|D')).toBeNull();
    // Released: begun in the same call, under the given owner, with its inputs read.
    expect(await complete('C', join)).toEqual([0, ['D'], 0, [0, 1, null, null, '"B"', '"C"']]);
    expect(await redis.hmget(keys.state, 's|D', 'a|D', 'w|D')).toEqual(['running', '1', '1.1@C']);
    // A repeat only re-derives the release, and names D started.
    expect(await complete('C', join)).toEqual([1, ['D'], ['D'], 0]);
    // A later delivery of the job takes D over, as from any attempt that began it.
    expect(
      await runScript(redis, 'beginNode', [keys.state, keys.data, keys.held], ['D', 1, '1.2@C']),
    ).toEqual([0, 2, null]);

    // The same completions without the begin leave D queued, for beginNode.
    const plain = await create('r21');
    const plainAll = [plain.state, plain.data, plain.store, plain.held, plain.stream];
    for (const node of ['B', 'C'])
      await runScript(
        redis,
        'completeNode',
        plainAll,
        completeArgs({ node, successors: ['D', 2] }),
      );
    expect(await redis.hget(plain.state, 's|D')).toBe('queued');

    // While paused, the join is held, not begun.
    const paused = await create('r22');
    const pausedAll = [paused.state, paused.data, paused.store, paused.held, paused.stream];
    await runScript(
      redis,
      'completeNode',
      pausedAll,
      completeArgs({ node: 'B', successors: ['D', 2] }),
    );
    await runScript(redis, 'controlRequest', pausedAll, [
      'pause',
      1,
      60_000,
      'ch',
      'm',
      60_000,
      60_000,
    ]);
    expect(
      await runScript(
        redis,
        'completeNode',
        pausedAll,
        completeArgs({ node: 'C', successors: ['D', 2], begin: join }),
      ),
    ).toEqual([2, 'paused']);
    expect(await redis.smembers(paused.held)).toEqual(['D']);
    expect(await redis.hget(paused.state, 'w|D')).toBeNull();

    // In a batch, the own parts with and without a begin keep their places.
    const batched = await create('r23');
    const c = completion({ node: 'C', successors: ['D', 2], begin: join });
    const b = completion({ node: 'B', successors: ['D', 2] });
    expect(
      await runScript(
        redis,
        'completeNodes',
        [batched.state, batched.data, batched.store, batched.held, batched.stream],
        completeNodesArgs(c.now, [[{ shared: b.shared, owns: [b.own, c.own] }]]),
      ),
    ).toEqual([
      [0, []],
      [0, ['D'], 0, [0, 1, null, null, '"B"', '"C"']],
    ]);
  });

  it('marks a successor enqueued by the caller queued, returns it only on a repeat, and never holds it', async () => {
    const keys = new Keys(prefixFor()).request('chain', 'r3');
    await runScript(
      redis,
      'createRequests',
      [keys.state, keys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );
    const complete = () =>
      runScript(
        redis,
        'completeNode',
        [keys.state, keys.data, keys.store, keys.held, keys.stream],
        completeArgs({ node: 'A', output: '1', successors: ['B', 'e'] }),
      );
    expect(await complete()).toEqual([0, []]);
    expect(await redis.hget(keys.state, 's|B')).toBe('queued');
    expect(await complete()).toEqual([1, ['B'], [], 0]);
    await runScript(
      redis,
      'controlRequest',
      [keys.state, keys.data, keys.store, keys.held, keys.stream],
      ['pause', Date.now(), 60_000, 'ch', 'm', 60_000, 60_000],
    );
    const pausedKeys = new Keys(prefixFor()).request('chain', 'r4');
    await runScript(
      redis,
      'createRequests',
      [pausedKeys.state, pausedKeys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );
    await runScript(
      redis,
      'controlRequest',
      [pausedKeys.state, pausedKeys.data, pausedKeys.store, pausedKeys.held, pausedKeys.stream],
      ['pause', Date.now(), 60_000, 'ch', 'm', 60_000, 60_000],
    );
    await runScript(
      redis,
      'completeNode',
      [pausedKeys.state, pausedKeys.data, pausedKeys.store, pausedKeys.held, pausedKeys.stream],
      completeArgs({ node: 'A', output: '1', successors: ['B', 'e', 'C', 1] }),
    );
    expect(await redis.smembers(pausedKeys.held)).toEqual(['C']);
  });

  it('stores JSON-packed item inputs and the entries the caller enqueues (queued until they run), once', async () => {
    const keys = new Keys(prefixFor()).request('fan', 'r5');
    await runScript(
      redis,
      'createRequests',
      [keys.state, keys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );
    const inputs = JSON.stringify(['o|each[a]/@item', '"A"', 'o|each[b]/@item', '"B"']);
    const entries = JSON.stringify(['each[a]/check', 'each[b]/check']);
    const start = () =>
      runScript(
        redis,
        'completeNode',
        [keys.state, keys.data, keys.store, keys.held, keys.stream],
        completeArgs({
          node: 'each/@start',
          output: '0',
          stateFields: ['j|each', -2],
          dataJson: inputs,
          enqueuedJson: entries,
        }),
      );
    expect(await start()).toEqual([0, []]);
    expect(await redis.hmget(keys.data, 'o|each[a]/@item', 'o|each[b]/@item')).toEqual([
      '"A"',
      '"B"',
    ]);
    // The entries are stored once; an entry without a status of its own is queued.
    expect(
      await redis.hmget(
        keys.state,
        'qe|each/@start',
        's|each[a]/check',
        's|each[b]/check',
        'j|each',
      ),
    ).toEqual([entries, null, null, '-2']);
    await redis.hset(keys.state, 's|each[a]/check', 'running');
    // A repeat returns the entries, naming those that started; the counter is not set again.
    await redis.hset(keys.state, 'j|each', '-1');
    expect(await start()).toEqual([1, ['each[a]/check', 'each[b]/check'], ['each[a]/check'], 0]);
    expect(await redis.hget(keys.state, 'j|each')).toBe('-1');
    // A stop names the queued entries (and the running one) for their jobs to be removed.
    const [, stopped] = (await runScript(
      redis,
      'controlRequest',
      [keys.state, keys.data, keys.store, keys.held, keys.stream],
      ['stop', Date.now(), 60_000, 'ch', 'm', 60_000, 60_000],
    )) as [number, string[]];
    expect([...stopped].sort()).toEqual(['each[a]/check', 'each[b]/check']);
  });

  it('completes the request when its last terminal completes, once', async () => {
    const keys = new Keys(prefixFor()).request('fork', 'r2');
    await runScript(
      redis,
      'createRequests',
      [keys.state, keys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );
    const finish = (node: string) =>
      runScript(
        redis,
        'completeNode',
        [keys.state, keys.data, keys.store, keys.held, keys.stream],
        completeArgs({ node, output: '0', terminals: 2 }),
      );
    await finish('x');
    // Its first completion makes a pending request running (its roots may begin without beginNode).
    expect(await redis.hmget(keys.state, 'status', 'startedAt')).toEqual([
      'running',
      expect.stringMatching(/^\d+$/),
    ]);
    await finish('y');
    await finish('y');
    expect(await redis.hget(keys.state, 'status')).toBe('completed');
    expect(await redis.hget(keys.state, 'terminalsDone')).toBe('2');
    expect(await redis.pttl(keys.state)).toBeGreaterThan(50_000);
  });

  it('fences completions and failures: only the attempt that owns a step writes, rerun takes ownership away', async () => {
    const fenced = { flow: 'fence', requestId: 'r6' };
    const base = new Keys(prefixFor());
    const keys = base.request(fenced.flow, fenced.requestId);
    const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
    await runScript(
      redis,
      'createRequests',
      [keys.state, keys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );
    const begin = (owner: string) =>
      runScript(
        redis,
        'beginNode',
        [keys.state, keys.data, keys.held],
        ['A', Date.now(), owner, 'in'],
      );
    const complete = (owner: string, output: string) =>
      runScript(
        redis,
        'completeNode',
        all,
        completeArgs({ node: 'A', output, owner, successors: ['B', 1] }),
      );
    const fail = (owner: string) =>
      runScript(
        redis,
        'failNode',
        all,
        failNodeArgs({
          path: 'A',
          now: Date.now(),
          error: '{"message":"x"}',
          final: false,
          retention: 60_000,
          channel: 'ch',
          message: 'm',
          owner,
        }),
      );
    const control = (command: string) =>
      runScript(redis, 'controlRequest', all, [
        command,
        Date.now(),
        60_000,
        'ch',
        'm',
        60_000,
        60_000,
      ]);

    // A takeover: delivery 2 began after delivery 1; 1's failure and completion are stale.
    await begin('0.1');
    await begin('0.2');
    expect(await fail('0.1')).toEqual([3, '0.2']);
    expect(await complete('0.1', '"late"')).toEqual([3, '0.2']);
    expect(await redis.hmget(keys.state, 's|A', 's|B')).toEqual(['running', null]);
    expect(await redis.hget(keys.data, 'o|A')).toBeNull();

    // Stop, then rerun: the running attempt loses the step; its late completion writes nothing.
    await control('stop');
    const [, , generation, sliced] = (await control('rerun')) as [number, [], number, number];
    expect(sliced).toBe(2);
    const rerun = await runRerunSlices(redis, base, fenced, generation);
    expect(rerun).toMatchObject({ kind: 'done', steps: ['A'] });
    expect(await redis.hget(keys.state, 'w|A')).toBe(`r${generation}`);
    expect(await complete('0.2', '"stale"')).toEqual([3, `r${generation}`]);
    // A job of the old generation that still waited does not start.
    expect(await begin('0.3')).toEqual([3, `r${generation}`]);
    expect(await redis.hget(keys.data, 'o|A')).toBeNull();
    // The rerun's attempt owns it; its completion is accepted once, and a stale repeat stays stale.
    await begin(`${generation}.1`);
    expect(await complete(`${generation}.1`, '"fresh"')).toEqual([0, ['B']]);
    expect(await complete('0.2', '"stale"')).toEqual([3, `${generation}.1`]);
    expect(await redis.hget(keys.data, 'o|A')).toBe('"fresh"');
    // A repeat by a job that found the step completed re-derives the release with its generation.
    expect(
      await runScript(
        redis,
        'completeNode',
        all,
        completeArgs({ node: 'A', owner: '', successors: ['B', 1] }),
      ),
    ).toEqual([1, ['B'], [], generation]);
  });

  it('counts a terminal that completes while its request is stopped, so that rerun completes it', async () => {
    const keys = new Keys(prefixFor()).request('fence', 'r7');
    const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
    await runScript(
      redis,
      'createRequests',
      [keys.state, keys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );
    await runScript(
      redis,
      'beginNode',
      [keys.state, keys.data, keys.held],
      ['T', Date.now(), '0.1', 'in'],
    );
    await runScript(redis, 'controlRequest', all, [
      'stop',
      Date.now(),
      60_000,
      'ch',
      'm',
      60_000,
      60_000,
    ]);
    // The stopped request's running terminal finishes: kept, releases nothing, counted.
    expect(
      await runScript(redis, 'completeNode', all, completeArgs({ node: 'T', terminals: 1 })),
    ).toEqual([2, 'stopped']);
    expect(await redis.hget(keys.state, 'allDone')).toMatch(/^\d+$/);
    expect(
      await runScript(redis, 'controlRequest', all, [
        'rerun',
        Date.now(),
        60_000,
        'ch',
        'm',
        60_000,
        60_000,
      ]),
    ).toEqual([0, [], 1, 1]);
    expect(await redis.hget(keys.state, 'status')).toBe('completed');
  });

  it('gives a request that rerun completes at once the completed retention, as any end does', async () => {
    const keys = new Keys(prefixFor()).request('fence', 'r7b');
    const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
    const control = (command: string) =>
      runScript(redis, 'controlRequest', all, [
        command,
        Date.now(),
        60_000,
        'ch',
        'm',
        60_000,
        5_000,
      ]);
    await runScript(
      redis,
      'createRequests',
      [keys.state, keys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );
    await runScript(
      redis,
      'beginNode',
      [keys.state, keys.data, keys.held],
      ['T', Date.now(), '0.1', 'in'],
    );
    await control('stop');
    // The stopped request's running terminal writes ctx.store (a key created after the stop's
    // expiry) and finishes: counted, so that rerun completes the request at once.
    await redis.multi().hset(keys.store, 'k', '1').hset(keys.state, 'hasStore', '1').exec();
    expect(
      await runScript(redis, 'completeNode', all, completeArgs({ node: 'T', terminals: 1 })),
    ).toEqual([2, 'stopped']);
    expect(await control('rerun')).toEqual([0, [], 1, 1]);
    expect(await redis.hget(keys.state, 'status')).toBe('completed');
    // The completed retention (5 s), not the stopped one (60 s) nor none, on every key that exists.
    for (const key of [keys.state, keys.data, keys.store]) {
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(5_000);
    }
    expect(await redis.exists(keys.held)).toBe(0);
  });

  it('ends a failed or stopped request as any end: each key it has gets that retention, held kept', async () => {
    for (const end of ['fail', 'stop'] as const) {
      const keys = new Keys(prefixFor()).request('fence', `end-${end}`);
      const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
      await runScript(
        redis,
        'createRequests',
        [keys.state, keys.data],
        createRequestsArgs(Date.now(), 'test-events', [
          { input: '1', version: 'v1', message: 'f/r' },
        ]),
      );
      await runScript(
        redis,
        'beginNode',
        [keys.state, keys.data, keys.held],
        ['T', Date.now(), '0.1', 'in'],
      );
      await redis
        .multi()
        .hset(keys.store, 'k', '1')
        .hset(keys.state, 'hasStore', '1')
        .sadd(keys.held, 'H')
        .hset(keys.state, 'hasHeld', '1')
        .xadd(keys.stream, '0-1', 'd', '1')
        .hset(keys.state, 'streamBytes', '1')
        .exec();
      if (end === 'fail')
        expect(
          await runScript(
            redis,
            'failNode',
            all,
            failNodeArgs({
              path: 'T',
              now: Date.now(),
              error: '{}',
              final: true,
              retention: 7_000,
              channel: 'ch',
              message: 'm',
              owner: '0.1',
            }),
          ),
        ).toEqual([0]);
      else
        await runScript(redis, 'controlRequest', all, [
          'stop',
          Date.now(),
          7_000,
          'ch',
          'm',
          60_000,
          60_000,
        ]);
      // The held set is kept (with the same TTL) for rerun.
      for (const key of all) {
        const ttl = await redis.pttl(key);
        expect(ttl, `${end}: ${key}`).toBeGreaterThan(0);
        expect(ttl, `${end}: ${key}`).toBeLessThanOrEqual(7_000);
      }
    }
  });

  it('expires a paused request after the paused retention and keeps it once resumed', async () => {
    const keys = new Keys(prefixFor()).request('fence', 'r8');
    const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
    await runScript(
      redis,
      'createRequests',
      [keys.state, keys.data],
      createRequestsArgs(Date.now(), 'test-events', [
        { input: '1', version: 'v1', message: 'f/r' },
      ]),
    );
    await runScript(redis, 'controlRequest', all, [
      'pause',
      Date.now(),
      60_000,
      'ch',
      'm',
      5_000,
      60_000,
    ]);
    expect(await redis.pttl(keys.state)).toBeGreaterThan(4_000);
    expect(await redis.pttl(keys.data)).toBeGreaterThan(4_000);
    await runScript(redis, 'controlRequest', all, [
      'resume',
      Date.now(),
      60_000,
      'ch',
      'm',
      5_000,
      60_000,
    ]);
    expect(await redis.pttl(keys.state)).toBe(-1);
  });

  // Races the chaos suite found (T2-1): each a regression test at the script level.
  describe('races of lifecycle commands', () => {
    const setUp = async (request: string) => {
      const keys = new Keys(prefixFor()).request('race', request);
      const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
      await runScript(
        redis,
        'createRequests',
        [keys.state, keys.data],
        createRequestsArgs(Date.now(), 'test-events', [
          { input: '1', version: 'v1', message: 'f/r' },
        ]),
      );
      const control = (command: string) =>
        runScript(redis, 'controlRequest', all, [
          command,
          Date.now(),
          60_000,
          'ch',
          'm',
          60_000,
          60_000,
        ]);
      const begin = (step: string, owner: string) =>
        runScript(
          redis,
          'beginNode',
          [keys.state, keys.data, keys.held],
          [step, Date.now(), owner],
        );
      return { keys, control, begin };
    };

    it('a second resume before the first enqueued its steps re-enqueues them under the same generation', async () => {
      const { keys, control, begin } = await setUp('r9');
      await control('pause');
      expect(await begin('B', '0.1')).toEqual([2, 'paused']); // held by its own job
      const first = (await control('resume')) as [number, string[], number, number, number[]];
      expect(first[1]).toEqual(['B']);
      // The first resume has not confirmed B yet: a second one answers B again, same generation.
      const second = (await control('resume')) as [number, string[], number, number, number[]];
      expect(second[1]).toEqual(['B']);
      expect(second[4]).toEqual(first[4]);
      await runScript(redis, 'clearResuming', [keys.state], [first[4][0] ?? 0, 1, 'B']);
      expect(await control('resume')).toEqual([-2, 'pending']); // paused while pending, back to pending
    });

    const resumingFields = async (state: string) =>
      (await redis.hkeys(state)).filter((field) => field.startsWith(RequestField.resuming)).sort();
    const confirm = async (state: string, generation: number, chunk: number, steps: string[]) =>
      (await runScript(redis, 'clearResuming', [state], [generation, chunk, ...steps])) as number;

    it('keeps a large resume in chunks, each confirmed alone; a second resume in between loses no step', async () => {
      const { keys, control } = await setUp('r12');
      await control('pause');
      const held = Array.from({ length: 2_500 }, (_, i) => `S${i}`);
      expect(await runScript(redis, 'holdSteps', [keys.state, keys.held], held)).toEqual([]);
      const first = (await control('resume')) as [number, string[], number, number, number[]];
      expect([...first[1]].sort()).toEqual([...held].sort());
      const generation = first[2];
      expect(await resumingFields(keys.state)).toEqual([
        'resuming.1',
        'resuming.2',
        'resuming.3',
        'resumingChunks',
      ]);
      const chunk = (k: number, steps: string[]) => steps.slice((k - 1) * 1_000, k * 1_000);
      const stored = async (k: number) =>
        Object.keys(JSON.parse((await redis.hget(keys.state, `resuming.${k}`)) ?? '{}')).sort();
      expect(await stored(2)).toEqual(chunk(2, first[1]).sort());
      expect(await confirm(keys.state, generation, 1, chunk(1, first[1]))).toBe(1_000);
      expect(await resumingFields(keys.state)).toEqual([
        'resuming.2',
        'resuming.3',
        'resumingChunks',
      ]);
      // A second resume before the rest is confirmed answers the 1,500 others, same generation.
      const second = (await control('resume')) as [number, string[], number, number, number[]];
      expect([...second[1]].sort()).toEqual([...first[1].slice(1_000)].sort());
      expect(new Set(second[4])).toEqual(new Set([generation]));
      // The first resume's confirmations of its chunks 2 and 3 drop the steps still there, the
      // second's the others: each step once.
      let dropped = 0;
      for (const k of [2, 3])
        dropped += await confirm(keys.state, generation, k, chunk(k, first[1]));
      for (const k of [1, 2])
        dropped += await confirm(keys.state, generation, k, chunk(k, second[1]));
      expect(dropped).toBe(1_500);
      expect(await resumingFields(keys.state)).toEqual([]);
      expect(await control('resume')).toEqual([-2, 'pending']);
    });

    it('reads the resuming steps an older version kept in one field, and keeps them in chunks', async () => {
      const { keys, control } = await setUp('r13');
      await redis.hset(keys.state, RequestField.resuming, JSON.stringify({ X: 3, Y: 4 }));
      const resumed = (await control('resume')) as [number, string[], number, number, number[]];
      const pairs = resumed[1].map((step, i) => [step, resumed[4][i]]).sort();
      expect(pairs).toEqual([
        ['X', 3],
        ['Y', 4],
      ]);
      expect(await resumingFields(keys.state)).toEqual(['resuming.1', 'resumingChunks']);
      for (const [step, generation] of pairs)
        await confirm(keys.state, generation as number, 1, [step as string]);
      expect(await resumingFields(keys.state)).toEqual([]);
      expect(await control('resume')).toEqual([-2, 'pending']);
    });

    it('a pause does not hold a removed root job whose step already runs under another job', async () => {
      const { keys, control, begin } = await setUp('r10');
      await begin('root', '1.1');
      await control('pause');
      expect(
        await runScript(redis, 'holdSteps', [keys.state, keys.held], ['root', 'other']),
      ).toEqual([]);
      expect(await redis.smembers(keys.held)).toEqual(['other']);
      // A hold that loses to a resume answers the never-begun steps to enqueue at once.
      await control('resume');
      expect(
        await runScript(redis, 'holdSteps', [keys.state, keys.held], ['root', 'late']),
      ).toEqual(['late']);
    });

    it('a newer generation’s job of a step another attempt runs is not held while paused', async () => {
      const { keys, control, begin } = await setUp('r11');
      await begin('A', '0.1');
      await control('pause');
      expect(await begin('A', '1.1')).toEqual([2, 'paused']);
      expect(await redis.smembers(keys.held)).toEqual([]);
      // The running attempt's own job, recovered after a stall (same generation), holds it.
      expect(await begin('A', '0.2')).toEqual([2, 'paused']);
      expect(await redis.smembers(keys.held)).toEqual(['A']);
    });
  });
});
