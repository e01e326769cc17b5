import type { FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type RunEvent, runLog } from '../fixtures/run-log.mjs';
import { registerStaleFlows } from '../fixtures/stale-flows.mjs';
import { newService, prefixFor, spawnFixture } from './helpers.js';

// Races of an attempt that outlives its right to finish (issue T2-1): `prepare -> work -> finish` where
// `work` ignores ctx.signal. Whatever the race, `finish` runs once, from the accepted attempt of `work`.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logs: ReturnType<typeof runLog>[] = [];

afterEach(async () => {
  await Promise.all(logs.splice(0).map((log) => log.close()));
});

/** A client with the stale flows, two worker processes (`env` added) and the run log. */
async function setup(env: Record<string, string> = {}) {
  const prefix = prefixFor();
  const log = runLog(inject('redisUrl'), prefix);
  logs.push(log);
  const client = newService({ prefix });
  registerStaleFlows(client, log);
  await Promise.all([
    spawnFixture('recorded-worker.mjs', prefix, env),
    spawnFixture('recorded-worker.mjs', prefix, env),
  ]);
  return { client, log };
}

async function runsOf(log: ReturnType<typeof runLog>, requestId: string): Promise<RunEvent[]> {
  return (await log.all()).filter((run) => run.r === requestId).sort((a, b) => a.s - b.s);
}

/**
 * Waits for the result, lets every late attempt of `work` land (until `settleMs` passed without a new
 * run), then checks: `finish` returned exactly once, the result is what it returned, and it was built
 * from the stored output of `work`, which one recorded run of `work` returned. Answers that run.
 */
async function expectSingleFinish(
  client: FlowService,
  log: ReturnType<typeof runLog>,
  flow: string,
  requestId: string,
): Promise<RunEvent> {
  const result = await client.waitForResult(flow, requestId, { timeoutMs: 20_000 });
  let count = -1;
  await waitFor(
    async () => {
      const now = (await runsOf(log, requestId)).length;
      const settled = now === count;
      count = now;
      return settled;
    },
    { intervalMs: 2_500, timeoutMs: 20_000 },
  );
  const runs = await runsOf(log, requestId);
  const story = runs
    .map(
      (r) =>
        `${r.n} attempt ${r.att} pid ${r.pid} +${r.s - runs[0]!.s}..${r.e - runs[0]!.s} ms ${'out' in r ? JSON.stringify(r.out) : r.err}`,
    )
    .join('\n');
  const finishes = runs.filter((run) => run.n === 'finish' && 'out' in run);
  expect(finishes.length, `finish must run once; runs:\n${story}`).toBe(1);
  expect(result, `result vs finish's output; runs:\n${story}`).toEqual(finishes[0]!.out);
  const work = (await client.nodeDetail(flow, requestId, 'work')).output;
  expect(finishes[0]!.in, `finish's input vs work's stored output; runs:\n${story}`).toEqual(work);
  const accepted = runs.find(
    (run) => run.n === 'work' && 'out' in run && JSON.stringify(run.out) === JSON.stringify(work),
  );
  expect(accepted, `no run of work returned its stored output; runs:\n${story}`).toBeDefined();
  expect((await client.state(flow, requestId)).status).toBe('completed');
  return accepted!;
}

describe('a stale attempt of work never releases finish twice', () => {
  it.each([200, 600])(
    'execute, stop 600 ms later, rerun %i ms after that: the rerun attempt wins',
    async (gapMs) => {
      const { client, log } = await setup();
      const id = await client.execute('stale-sleep', 'x');
      await sleep(600);
      await client.stop('stale-sleep', id);
      await sleep(gapMs);
      const rerunAt = Date.now();
      await client.rerun('stale-sleep', id);
      const accepted = await expectSingleFinish(client, log, 'stale-sleep', id);
      expect(accepted.s, 'the accepted work run started after the rerun').toBeGreaterThanOrEqual(
        rerunAt,
      );
    },
  );

  it('pause, stop, rerun while work runs: the rerun attempt wins', async () => {
    const { client, log } = await setup();
    const id = await client.execute('stale-sleep', 'x');
    await sleep(600);
    await client.pause('stale-sleep', id);
    await sleep(200);
    await client.stop('stale-sleep', id);
    await sleep(300);
    const rerunAt = Date.now();
    await client.rerun('stale-sleep', id);
    const accepted = await expectSingleFinish(client, log, 'stale-sleep', id);
    expect(accepted.s, 'the accepted work run started after the rerun').toBeGreaterThanOrEqual(
      rerunAt,
    );
  });

  it('a timed-out attempt that ignores its signal and returns late loses to the retry', async () => {
    const { client, log } = await setup();
    const id = await client.execute('stale-timeout', 'x');
    const accepted = await expectSingleFinish(client, log, 'stale-timeout', id);
    expect(accepted.att, 'attempt 1 timed out: attempt 2 is the accepted one').toBe(2);
    expect((await client.state('stale-timeout', id)).nodes['work']?.attempts).toBe(2);
  });

  it('a worker whose lock expired while its event loop was blocked loses to the one that took over', async () => {
    const { client, log } = await setup({ LOCK_MS: '1000', STALLED_MS: '500' });
    const id = await client.execute('stale-busy', 'x');
    const accepted = await expectSingleFinish(client, log, 'stale-busy', id);
    // The blocked run ends 6 s after it began, maybe after the settle window: wait for it.
    const worksOf = async () => (await runsOf(log, id)).filter((run) => run.n === 'work');
    await waitFor(async () => (await worksOf()).length >= 2, { timeoutMs: 10_000 }).catch(
      () => undefined,
    );
    const works = await worksOf();
    expect(works.length, 'the node was taken over: two runs of work').toBe(2);
    expect(accepted, 'the run that took over is the accepted one').toEqual(works[1]);
  });
});
