import { waitFor } from '@dagflow/test-utils';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { Keys, allKeys } from '../../src/format/keys.js';
import { StoredLimit } from '../../src/format/layout.js';
import { runRerunSlices } from '../../src/store/rerun-slices.js';
import { completeNodeArgs, ownArgs, specArgs } from '../../src/store/scripts/completion-args.js';
import { defineScripts, runScript } from '../../src/store/scripts/scripts.js';
import { Prng } from '../chaos/prng.js';
import { newService, prefixFor } from './helpers.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  defineScripts(redis);
});
afterAll(async () => {
  await redis.quit();
});

/** Item keys a caller may choose: quotes, the separator of a JSON array of strings, backslashes. */
const ODD_KEYS = ['a","b', 'q"', '\\', '",', 'ü/x'];

/**
 * A stopped for-each request written as the engine leaves one: `items` entries (field qe|), some of
 * them begun before the stop (running, completed, failed, queued), a waiting step, a held step.
 */
async function stoppedRequest(prefix: string, items: number, random: Prng) {
  const target = { flow: 'wide', requestId: 'r1' };
  const base = new Keys(prefix);
  const keys = base.request(target.flow, target.requestId);
  const entries = [
    ...Array.from({ length: items }, (_, i) => `each[i${i}]/item`),
    ...ODD_KEYS.map((key) => `each[${key}]/item`),
  ];
  const fields: Record<string, string> = {
    status: 'stopped',
    generation: '0',
    version: 'v1',
    createdAt: '1',
    finishedAt: '2',
    'qe|each/@start': JSON.stringify(entries),
    's|each/@start': 'completed',
    's|after': 'waiting',
  };
  /** Steps with a status of their own at the stop. */
  const begun = new Map<string, string>();
  for (const entry of entries) {
    if (!random.chance(0.2)) continue;
    const status = random.pick(['running', 'completed', 'failed', 'queued', 'retrying']);
    begun.set(entry, status);
    fields[`s|${entry}`] = status;
    fields[`t0|${entry}`] = '5';
    if (status !== 'queued') fields[`w|${entry}`] = '0.1';
    if (status === 'failed' || status === 'completed') fields[`t1|${entry}`] = '6';
    if (status === 'failed') fields[`e|${entry}`] = '{"message":"x"}';
  }
  await redis.hset(keys.state, fields);
  await redis.sadd(keys.held, 'held/step');
  await redis.pexpire(keys.state, 600_000);
  return { base, keys, target, entries, begun };
}

/** A lifecycle command on a request's keys (`lua/controlRequest.lua`), retentions of a minute. */
const controlRequest = (keys: readonly string[], command: string, channel = 'ch', message = 'm') =>
  runScript(redis, 'controlRequest', keys, [
    command,
    Date.now(),
    60_000,
    channel,
    message,
    60_000,
    60_000,
  ]);

/** The steps stored in the resuming chunks 1..count. */
async function countResuming(state: string, count: number): Promise<number> {
  const fields = Array.from({ length: count }, (_, i) => `resuming.${i + 1}`);
  const chunks = await redis.hmget(state, ...fields);
  return chunks.reduce((sum, chunk) => sum + Object.keys(JSON.parse(chunk ?? '{}')).length, 0);
}

/** A completion of `path` by the attempt `owner` (a late one, of before the rerun). */
const completeArgs = (path: string, owner: string): (string | number)[] =>
  completeNodeArgs(Date.now(), {
    shared: specArgs({ terminals: 0, retention: 60_000, channel: 'ch', message: 'm' }),
    own: ownArgs({ path, output: '"late"', owner }),
  });

it('reruns a stopped request in bounded slices while late attempts, holds, stops and second drivers interleave; each step not completed is released once', async () => {
  const seed = Number(process.env['DAGFLOW_RERUN_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`rerun-slices seed ${seed} (DAGFLOW_RERUN_SEED=${seed} replays it)`);
  const random = new Prng(seed);
  const { base, keys, target, entries, begun } = await stoppedRequest(prefixFor(), 3_000, random);
  const all = allKeys(keys);
  const control = (command: string) => controlRequest(all, command);
  const perSlice = random.int(50, 400);

  const [code, , generation, sliced] = (await control('rerun')) as [number, [], number, number];
  expect([code, sliced]).toEqual([0, 2]);
  const owner = `r${generation}`;
  let slices = 0;
  let done = false;
  let releasedBefore = 0;
  /** Slices run since the last count, this driver's and the second driver's. */
  let slicesSince = 0;
  for (;;) {
    // Between two slices: whatever other callers and late attempts do.
    for (let n = random.int(0, 3); n > 0; n--) {
      const step = random.pick(entries);
      const action = random.pick(['complete', 'begin', 'stop', 'rerun', 'slice']);
      const reset = (await redis.hget(keys.state, `w|${step}`)) === owner;
      if (action === 'complete' && begun.get(step) === 'running') {
        const reply = (await runScript(redis, 'completeNode', all, completeArgs(step, '0.1'))) as [
          number,
          unknown,
        ];
        // A step this rerun reset took the attempt's ownership away; one not reset yet is kept.
        expect(reply).toEqual(reset ? [3, owner] : [2, 'stopped']);
      } else if (action === 'begin') {
        const reply = (await runScript(
          redis,
          'beginNode',
          [keys.state, keys.data, keys.held],
          [step, Date.now(), '0.7', 'in'],
        )) as [number, unknown];
        if (reset) expect(reply).toEqual([3, owner]);
      } else if (action === 'stop' && !done) {
        expect(await control('stop')).toEqual([-2, 'stopped']);
      } else if (action === 'rerun' && !done) {
        // A second rerun (or the first caller's, after it died between slices) goes on with this one.
        expect(await control('rerun')).toEqual([0, [], generation, 2]);
      } else if (action === 'slice' && !done) {
        const reply = (await runScript(redis, 'rerunSlice', all, [
          generation,
          perSlice,
          'ch',
          'm',
        ])) as number[];
        done = reply[1] === 1;
        slicesSince += 1;
      }
    }
    // The request runs only once the last slice (this driver's or another's) is done.
    expect(await redis.hget(keys.state, 'status')).toBe(done ? 'running' : 'stopped');
    const reply = (await runScript(redis, 'rerunSlice', all, [
      generation,
      perSlice,
      'ch',
      'm',
    ])) as number[];
    slices += 1;
    slicesSince += 1;
    // One slice releases at most its budget (an HSCAN of that COUNT may return a few more fields).
    const chunks = Number((await redis.hget(keys.state, 'resumingChunks')) ?? 0);
    const stored = chunks === 0 ? 0 : await countResuming(keys.state, chunks);
    expect(stored - releasedBefore).toBeLessThanOrEqual(slicesSince * (perSlice * 1.5 + 10));
    releasedBefore = stored;
    slicesSince = 0;
    if (reply[1] === 1) break;
  }
  const rerun = await runRerunSlices(redis, base, target, generation, perSlice);
  if (rerun.kind !== 'done') throw new Error(`rerun ${rerun.kind}`);

  expect(await redis.hmget(keys.state, 'status', 'rerunning')).toEqual(['running', null]);
  expect(await redis.pttl(keys.state)).toBe(-1);
  expect(await redis.exists(keys.held)).toBe(0);
  expect(slices).toBeGreaterThan(entries.length / perSlice);
  // Released once each: every step of the for-each, the waiting one and the held one, unless it
  // completed (before the stop, or late, before the rerun reached it).
  expect(rerun.steps.length).toBe(new Set(rerun.steps).size);
  const completed = new Set<string>();
  for (const step of ['after', 'held/step', ...entries]) {
    const status = await redis.hget(keys.state, `s|${step}`);
    if (status === 'completed') completed.add(step);
    else expect(await redis.hmget(keys.state, `w|${step}`, `e|${step}`)).toEqual([owner, null]);
  }
  const expected = ['after', 'held/step', ...entries].filter((step) => !completed.has(step));
  expect([...rerun.steps].sort()).toEqual(expected.sort());
  expect(rerun.generations.every((g) => g === generation)).toBe(true);
  const perChunk = new Map<number, number>();
  for (const chunk of rerun.chunks) perChunk.set(chunk, (perChunk.get(chunk) ?? 0) + 1);
  expect(Math.max(...perChunk.values())).toBeLessThanOrEqual(StoredLimit.resumingChunk);
});

it('takes the steps of an interrupted resume kept by an older version into the rerun', async () => {
  const { base, keys, target } = await stoppedRequest(prefixFor(), 10, new Prng(1));
  await redis.hset(keys.state, 'resuming', JSON.stringify({ 'old/a': 0, 'old/b': 0 }));
  const reply = (await controlRequest(allKeys(keys), 'rerun')) as number[];
  const rerun = await runRerunSlices(redis, base, target, reply[2] ?? 0, 3);
  if (rerun.kind !== 'done') throw new Error(`rerun ${rerun.kind}`);
  expect(rerun.steps).toEqual(expect.arrayContaining(['old/a', 'old/b']));
  expect(await redis.hget(keys.state, 'resuming')).toBeNull();
});

it('finishes a rerun whose caller died between its slices when the request is rerun again; each item runs once', async () => {
  const prefix = prefixFor();
  const items = 3_000;
  const service = newService({ prefix, workerConcurrency: 4 });
  const runs = new Map<number, number>();
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  service.register('wide', (dag) => {
    dag
      .forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i}`, i])),
      )
      .node(
        'item',
        async (i: number) => {
          runs.set(i, (runs.get(i) ?? 0) + 1);
          await gate;
          return i;
        },
        { retries: 1 },
      );
  });
  await service.startWorker();
  const id = await service.execute('wide', items);
  const queue = new Queue('{wide}', { connection: { url: inject('redisUrl') }, prefix });
  await waitFor(async () => (await queue.getJobCountByTypes('wait')) === items - 4, {
    timeoutMs: 60_000,
  });
  await queue.close();
  await service.stop('wide', id);
  const startedBeforeStop = new Set(runs.keys());
  open();

  // A caller begins the rerun and runs two slices of 500, then dies: the request stays stopped.
  const base = new Keys(prefix);
  const all = allKeys(base.request('wide', id));
  const events = base.flowEvents('wide');
  const begun = (await controlRequest(all, 'rerun', events, id)) as [number, [], number, number];
  expect(begun[3]).toBe(2);
  for (let i = 0; i < 2; i++)
    expect(await runScript(redis, 'rerunSlice', all, [begun[2], 500, events, id])).toEqual([0, 0]);
  expect((await service.state('wide', id)).status).toBe('stopped');

  // The next rerun goes on with that one, under its generation.
  await service.rerun('wide', id);
  expect(await redis.hget(all[0], 'generation')).toBe(String(begun[2]));
  const result = (await service.waitForResult('wide', id, { timeoutMs: 120_000 })) as Record<
    string,
    number
  >;
  expect(Object.keys(result)).toHaveLength(items);
  const wrong = Array.from({ length: items }, (_, i) => i).filter((i) => {
    const n = runs.get(i) ?? 0;
    return startedBeforeStop.has(i) ? n < 1 || n > 2 : n !== 1;
  });
  expect(wrong).toEqual([]);
}, 180_000);
