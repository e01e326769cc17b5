import type { FlowService, RequestState } from '@dagflow/engine';
import { waitFor, type WorkerProcess } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';
import { engineAt } from './old-engine.js';

/**
 * Rolling deploys of the engine itself: worker and client processes of an earlier engine build
 * (`DAGFLOW_UPGRADE_FROM`, by default the last commit before the steps channel split, streams and
 * job names by node path) beside this checkout's, on one prefix. Requests started by either build
 * are run, waited for, signalled and stopped by the other; every node runs once.
 */
const FROM = process.env.DAGFLOW_UPGRADE_FROM ?? 'a868e02';
const old = engineAt(FROM);
if ('missing' in old) console.warn(`engine-upgrade tests skipped: ${old.missing}`);

/** A process of one engine build (see fixtures/mixed-worker.mjs), driven over IPC. */
class Build {
  #next = 0;
  constructor(readonly process: WorkerProcess) {}

  /** Calls a FlowService method in that process. */
  call<T = unknown>(cmd: string, ...args: unknown[]): Promise<T> {
    const id = this.#next++;
    const child = this.process.child;
    return new Promise((resolve, reject) => {
      const onMessage = (message: { id?: number; ok?: boolean; value?: T; code?: string }) => {
        if (message?.id !== id) return;
        child.off('message', onMessage);
        if (message.ok) resolve(message.value as T);
        else reject(Object.assign(new Error(`${cmd}: ${message.code}`), { code: message.code }));
      };
      child.on('message', onMessage);
      child.send({ id, cmd, args });
    });
  }
}

async function start(prefix: string, build: 'old' | 'new', worker: boolean): Promise<Build> {
  const env: Record<string, string> = { TAG: build, WORKER: worker ? '1' : '0' };
  if (build === 'old' && 'entry' in old) env.ENGINE_ENTRY = old.entry;
  return new Build(await spawnFixture('mixed-worker.mjs', prefix, env));
}

/** Runs by request: `{ '<build>:<node path>': n }`. */
async function runsByRequest(prefix: string): Promise<Map<string, Record<string, number>>> {
  const redis = new Redis(inject('redisUrl'));
  const all = await redis.hgetall(`${prefix}:runs`);
  await redis.quit();
  const byRequest = new Map<string, Record<string, number>>();
  for (const [key, n] of Object.entries(all)) {
    const [requestId = '', entry = ''] = key.split(' ');
    byRequest.set(requestId, { ...byRequest.get(requestId), [entry]: Number(n) });
  }
  return byRequest;
}

/** How often each node path of a request ran, whichever build ran it. */
function nodeRuns(entries: Record<string, number> | undefined): Record<string, number> {
  const runs: Record<string, number> = {};
  for (const [entry, n] of Object.entries(entries ?? {})) {
    const node = entry.slice(entry.indexOf(':') + 1);
    runs[node] = (runs[node] ?? 0) + n;
  }
  return runs;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const ITEMS = 6;
const itemRuns = Object.fromEntries(range(ITEMS).map((i) => [`each[i${i}]/work`, 1]));

describe.skipIf('missing' in old)(`engine upgrade from ${FROM}`, () => {
  beforeAll(() => {
    expect('entry' in old).toBe(true);
  });

  it('old and new workers side by side: requests of either build are run, waited for and signalled by the other, every node once', async () => {
    const prefix = prefixFor();
    const oldBuild = await start(prefix, 'old', true);
    const newBuild = await start(prefix, 'new', true);
    const client = newService({ prefix });
    const created = { old: [] as string[], new: [] as string[] };
    const builds = { old: oldBuild, new: newBuild };
    for (const from of ['old', 'new'] as const) {
      const execute = (flow: string, input: unknown) =>
        builds[from].call<string>('execute', flow, input);
      created[from] = await Promise.all([
        ...range(20).map((n) => execute('mix', n)),
        ...range(5).map(() => execute('items', ITEMS)),
        ...range(5).map((n) => execute('gate', n)),
      ]);
    }
    const gates = (ids: readonly string[]) => ids.slice(25);
    // Each build signals and waits for the other's requests.
    await waitFor(
      async () => {
        const states = await Promise.all(
          [...gates(created.old), ...gates(created.new)].map((id) => client.state('gate', id)),
        );
        return states.every((s: RequestState) => s.nodes.approve?.status === 'waiting');
      },
      { timeoutMs: 20_000 },
    );
    // Each build waits for the other's requests, the gates before their signal arrives, so the
    // waits end on the announcement of an end made by a process of the other build.
    const waits: Promise<unknown>[] = [];
    const signalled = new Map<string, number>();
    const afterSignalMs: number[] = [];
    for (const [from, by] of [
      ['old', newBuild],
      ['new', oldBuild],
    ] as const) {
      created[from].forEach((id, i) => {
        const flow = i < 20 ? 'mix' : i < 25 ? 'items' : 'gate';
        waits.push(
          by.call('waitForResult', flow, id, { timeoutMs: 20_000 }).then((result) => {
            const at = signalled.get(id);
            if (at !== undefined) afterSignalMs.push(Date.now() - at);
            return result;
          }),
        );
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const [from, by] of [
      ['old', newBuild],
      ['new', oldBuild],
    ] as const) {
      for (const id of gates(created[from])) {
        signalled.set(id, Date.now());
        await by.call('signal', 'gate', id, 'approve', { by: from });
      }
    }
    const results = await Promise.all(waits);
    const expected = (from: 'old' | 'new') => [
      ...range(20).map((n) => (n + 1) * 5),
      ...range(5).map(() => range(ITEMS).reduce((sum, i) => sum + i * 2, 0)),
      ...range(5).map(() => ({ approved: { by: from } })),
    ];
    expect(results).toEqual([...expected('old'), ...expected('new')]);
    const runs = await runsByRequest(prefix);
    const builtBy = new Set<string>();
    for (const id of [...created.old, ...created.new]) {
      for (const entry of Object.keys(runs.get(id) ?? {})) builtBy.add(entry.split(':')[0] ?? '');
      const flowRuns = nodeRuns(runs.get(id));
      const index = [...created.old, ...created.new].indexOf(id) % 30;
      const want =
        index < 20
          ? { a: 1, b: 1, c: 1, d: 1 }
          : index < 25
            ? { ...itemRuns, sum: 1 }
            : { a: 1, z: 1 };
      expect(flowRuns, id).toEqual(want);
    }
    expect([...builtBy].sort()).toEqual(['new', 'old']); // both builds ran steps
    // A wait hears an end announced by the other build, not the one-second safety poll.
    console.log(
      `engine upgrade ${FROM}: signal to result across builds, ${afterSignalMs.join(' ')} ms`,
    );
    expect(Math.max(...afterSignalMs)).toBeLessThan(900);
  }, 90_000);

  for (const [runner, stopper] of [
    ['old', 'new'],
    ['new', 'old'],
  ] as const) {
    it(`${stopper === 'old' ? 'an old' : 'a new'} process stops a request whose handler ${runner === 'old' ? 'an old' : 'a new'} worker runs: it ends stopped, its successor never runs`, async () => {
      const prefix = prefixFor();
      await start(prefix, runner, true);
      const by = await start(prefix, stopper, false);
      const client: FlowService = newService({ prefix });
      const id = await by.call<string>('execute', 'slow', 1);
      await waitFor(async () => (await runsByRequest(prefix)).get(id)?.[`${runner}:long`] === 1, {
        timeoutMs: 15_000,
      });
      const began = Date.now();
      await by.call('stop', 'slow', id);
      await waitFor(async () => (await client.state('slow', id)).status === 'stopped', {
        timeoutMs: 5_000,
      });
      // The handler hears the stop (ctx.signal) or runs out; either way its completion is fenced.
      await waitFor(
        async () => (await runsByRequest(prefix)).get(id)?.[`${runner}:long-aborted`] === 1,
        { timeoutMs: 10_000 },
      ).catch(() => undefined);
      const abortedAfter = Date.now() - began;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const state = await client.state('slow', id);
      expect(state.status).toBe('stopped');
      expect(nodeRuns((await runsByRequest(prefix)).get(id)).z).toBeUndefined();
      console.log(
        `stop by ${stopper} of ${runner}'s handler: abort heard after ${abortedAfter} ms`,
      );
    }, 60_000);
  }

  it('a rolling restart from old workers to new ones under load loses nothing and runs every node once', async () => {
    const prefix = prefixFor();
    const olds = [await start(prefix, 'old', true), await start(prefix, 'old', true)];
    const client = newService({ prefix });
    const gates = await Promise.all(range(10).map((n) => client.execute('gate', n)));
    const mixes: string[] = [];
    let loading = true;
    const load = (async () => {
      for (let n = 0; loading; n++) {
        mixes.push(await client.execute('mix', n));
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    })();
    for (const oldWorker of olds) {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await oldWorker.process.stop(); // SIGTERM, as a rolling deploy sends
      await start(prefix, 'new', true);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    loading = false;
    await load;
    for (const id of gates) await client.signal('gate', id, 'approve', 'ok');
    const results = await Promise.all(
      mixes.map((id) => client.waitForResult('mix', id, { timeoutMs: 30_000 })),
    );
    expect(results).toEqual(mixes.map((_, n) => (n + 1) * 5));
    const gated = await Promise.all(
      gates.map((id) => client.waitForResult('gate', id, { timeoutMs: 30_000 })),
    );
    expect(gated).toEqual(gates.map(() => ({ approved: 'ok' })));
    const runs = await runsByRequest(prefix);
    for (const id of mixes) expect(nodeRuns(runs.get(id)), id).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    for (const id of gates) expect(nodeRuns(runs.get(id)), id).toEqual({ a: 1, z: 1 });
    expect(mixes.length).toBeGreaterThan(50);
  }, 120_000);
});
