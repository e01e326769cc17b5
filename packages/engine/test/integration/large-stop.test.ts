import type { FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { SCRIPT_NAMES, type ScriptName, scriptSource } from '../../src/store/scripts/scripts.js';
import { newService, prefixFor } from './helpers.js';

/** Items of the stopped request: 20,000 in CI; DAGFLOW_LARGE_STOP_ITEMS=100000 for the large mode. */
const ITEMS = Number(process.env['DAGFLOW_LARGE_STOP_ITEMS'] ?? 20_000);
/**
 * The stop returns within this (measured on a loaded 2-core machine: 0.23-0.46 s for 20,000 items,
 * 0.8-1.3 s for 100,000; main: 2.5-2.8 s and 64.5-66 s).
 */
const STOP_BOUND_MS = ITEMS <= 20_000 ? 2_000 : 6_000;
/**
 * p99 of one-node requests on another flow, one started every 10 ms from 200 ms before the stop to
 * 200 ms after it, each executed and awaited by another service (measured: 42-90 ms with 20,000 items,
 * 150-255 ms with 100,000; main: 0.6 s and 57 s).
 */
const PING_BOUND_MS = ITEMS <= 20_000 ? 250 : 500;
const CONCURRENCY = 20;
/**
 * The longest call of the rerun's own scripts (`controlRequest`, `rerunSlice`; from the command until
 * it returned), the same bound for every size: the rerun runs in slices of at most 1,000 steps.
 * Measured on a loaded 2-core machine (load 8): 100,000 items, slices of 3-17 ms (before the slices:
 * one call of 0.32-0.33 s at load 3, 0.8-1.0 s at load 8; 20,000 items: 41-69 ms and 65-186 ms). Loose
 * for load: a call's time is wall time, and Redis shares the cores.
 */
const RERUN_CALL_BOUND_MS = 250;
/** Steps one confirmation of the rerun's enqueue carries: one stored chunk (main: all, in one call). */
const CONFIRMED_STEPS_BOUND = 1_000;

/** A call the private Redis logged (SLOWLOG): its time, its arguments' count, its first arguments. */
interface LoggedCall {
  readonly ms: number;
  readonly argc: number;
  readonly args: readonly string[];
}

/**
 * Every call of this test's prefix the private Redis logged since the SLOWLOG was reset, longest
 * first. SLOWLOG keeps 32 arguments of a call; the last says how many more there were.
 */
async function loggedCalls(redis: Redis, prefix: string): Promise<LoggedCall[]> {
  const log = (await redis.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
  return log
    .filter(([, , , args]) => args.some((arg) => arg.includes(prefix)))
    .map(([, , micros, args]) => {
      const more = /^\.\.\. \((\d+) more arguments\)$/.exec(args.at(-1) ?? '');
      const argc = more === null ? args.length : args.length - 1 + Number(more[1]);
      return { ms: micros / 1000, argc, args };
    })
    .sort((a, b) => b.ms - a.ms);
}

/** The name of the script a logged `evalsha` ran, or the call's first two arguments. */
function callName({ args }: LoggedCall): string {
  const sha1 = (name: ScriptName) => createHash('sha1').update(scriptSource(name)).digest('hex');
  return SCRIPT_NAMES.find((name) => sha1(name) === args[1]) ?? args.slice(0, 2).join(' ');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jobs of a flow's queue that have not started (waiting, delayed, prioritized). */
async function notStarted(prefix: string, flow: string): Promise<number> {
  const queue = new Queue(`{${flow}}`, { connection: { url: inject('redisUrl') }, prefix });
  const count = await queue.getJobCountByTypes('wait', 'delayed', 'prioritized');
  await queue.close();
  return count;
}

function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

it(`stops a request of ${ITEMS.toLocaleString('en')} unbatched items quickly without holding up other requests, runs none of its items after, and reruns each left once`, async () => {
  const prefix = prefixFor();
  const service = newService({ prefix, workerConcurrency: CONCURRENCY });
  /** Handler starts by item; `stopped` turns on once the stop returned. */
  const runs = new Map<number, number>();
  let stopped = false;
  let startsAfterStop = 0;
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  service.register('wide', (dag) => {
    dag
      .forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i}`, i])),
      )
      // Retries keep one item per job (no item batches): every item is its own waiting job.
      .node(
        'item',
        async (i: number) => {
          runs.set(i, (runs.get(i) ?? 0) + 1);
          if (stopped) startsAfterStop += 1;
          // Until the stop, the first items hold every worker slot: all others wait in the queue.
          await gate;
          return i;
        },
        { retries: 1 },
      );
  });
  await service.startWorker();
  // Another caller (its own connection and worker slots, as another process): one-node requests.
  const other = newService({ prefix, workerConcurrency: 4 });
  other.register('ping', (dag) => dag.node('one', (x: number) => x + 1));
  await other.startWorker();
  const id = await service.execute('wide', ITEMS);
  // Every item but those holding the worker slots waits in the queue when the stop comes.
  await waitFor(async () => (await notStarted(prefix, 'wide')) === ITEMS - CONCURRENCY, {
    timeoutMs: 120_000,
  });

  // One-node requests on another flow, one started every 10 ms (not one after the other: a blocked
  // Redis then shows in every request started meanwhile), from before the stop until after it.
  const pings: number[] = [];
  const inFlight: Promise<void>[] = [];
  const ping = async (n: number): Promise<void> => {
    const begun = performance.now();
    const pingId = await other.execute('ping', n);
    expect(await other.waitForResult('ping', pingId, { timeoutMs: 300_000 })).toBe(n + 1);
    pings.push(performance.now() - begun);
  };
  let n = 0;
  const pinger = setInterval(() => inFlight.push(ping(n++)), 10);
  await sleep(200);
  const started = performance.now();
  await service.stop('wide', id);
  const took = performance.now() - started;
  stopped = true;
  const startedBeforeStop = new Set(runs.keys());
  open();
  await sleep(200);
  clearInterval(pinger);
  await Promise.all(inFlight);

  // No item starts after the stop returned; none is left waiting.
  await sleep(1_000);
  expect(startsAfterStop).toBe(0);
  expect(await notStarted(prefix, 'wide')).toBe(0);
  expect((await service.state('wide', id)).status).toBe('stopped');
  console.log(
    `stop of ${ITEMS} unbatched items: ${took.toFixed(0)} ms (${startedBeforeStop.size} had started); ` +
      `${pings.length} one-node requests meanwhile, p99 ${p99(pings).toFixed(1)} ms, max ${Math.max(...pings).toFixed(1)} ms`,
  );

  // The rerun runs every item that had not started exactly once (those cut off by the stop again).
  const redis = new Redis(inject('redisUrl'));
  // The calls over 1 ms are logged during the rerun (the private Redis's defaults again after it):
  // all calls would fill the log, and drop its first entries (the rerun's own script). A confirmation
  // of one chunk may take less; main's one of every step takes more than 10 ms.
  await redis.call('CONFIG', 'SET', 'slowlog-log-slower-than', '1000', 'slowlog-max-len', '100000');
  const clearResuming = scriptSource('clearResuming');
  const clearSha = createHash('sha1').update(clearResuming).digest('hex');
  // Every script is loaded first: a logged EVAL shows only its first 128 bytes, the same for all.
  for (const name of SCRIPT_NAMES) await redis.call('SCRIPT', 'LOAD', scriptSource(name));
  await redis.call('SLOWLOG', 'RESET');
  const rerunStarted = performance.now();
  await service.rerun('wide', id);
  const rerunTook = performance.now() - rerunStarted;
  const calls = await loggedCalls(redis, prefix);
  await redis.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
  await redis.call('SLOWLOG', 'RESET');
  await redis.quit();
  const longest = calls[0]?.ms ?? 0;
  const rerunCalls = calls.filter((call) =>
    ['controlRequest', 'rerunSlice'].includes(callName(call)),
  );
  const longestRerun = rerunCalls[0]?.ms ?? 0;
  // evalsha <sha> 1 <state> <generation> <chunk> <steps>... (or eval <script>, when first loaded)
  const confirmations = calls.filter(
    ({ args }) => args[1] === clearSha || clearResuming.startsWith(args[1]?.slice(0, 100) ?? '-'),
  );
  const confirmedSteps = Math.max(0, ...confirmations.map(({ argc }) => argc - 6));
  console.log(
    `rerun of ${ITEMS} stopped items: ${rerunTook.toFixed(0)} ms; longest Redis call ` +
      `${longest.toFixed(1)} ms (${calls[0] === undefined ? '-' : callName(calls[0])}); ${confirmations.length} ` +
      `confirmations, the longest ${Math.max(0, ...confirmations.map(({ ms }) => ms)).toFixed(1)} ms, ` +
      `at most ${confirmedSteps} steps`,
  );
  console.log(
    `its own scripts' longest call ${longestRerun.toFixed(1)} ms; longest calls meanwhile: ${calls
      .slice(0, 5)
      .map((call) => `${callName(call)} ${call.ms.toFixed(1)} ms`)
      .join(', ')}`,
  );
  const result = (await service.waitForResult('wide', id, { timeoutMs: 300_000 })) as Record<
    string,
    number
  >;
  expect(Object.keys(result)).toHaveLength(ITEMS);
  const wrong = Array.from({ length: ITEMS }, (_, i) => i).filter((i) => {
    const n = runs.get(i) ?? 0;
    return startedBeforeStop.has(i) ? n < 1 || n > 2 : n !== 1;
  });
  expect(wrong).toEqual([]);
  expect(took).toBeLessThan(STOP_BOUND_MS);
  expect(p99(pings)).toBeLessThan(PING_BOUND_MS);
  expect(confirmedSteps).toBeLessThanOrEqual(CONFIRMED_STEPS_BOUND);
  expect(longestRerun).toBeLessThan(RERUN_CALL_BOUND_MS);
}, 600_000);

it('runs no job of the stopped generation that reached the queue after the stop, once the request is rerun', async () => {
  const prefix = prefixFor();
  const runs = new Map<number, number>();
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const serve = (service: FlowService) =>
    service.register('late', (dag) => {
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
  const first = newService({ prefix, workerConcurrency: 4 });
  serve(first);
  await first.startWorker();
  const id = await first.execute('late', 100);
  await waitFor(async () => (await notStarted(prefix, 'late')) === 96, { timeoutMs: 10_000 });
  // A waiting item's job (its input handed over in the job data), as a for-each still adding its
  // items, or a successor released just before the stop, would add it after the stop's removal.
  const queue = new Queue(`{late}`, { connection: { url: inject('redisUrl') }, prefix });
  const [job] = await queue.getWaiting(0, 0);
  if (job?.id === undefined) throw new Error('no waiting job');
  expect(job.data).toHaveProperty('i');
  await first.stop('late', id);
  open();
  await first.close();
  await queue.add(job.name, job.data, { ...job.opts, jobId: job.id, delay: 500 });
  // A worker that never heard of the stop (another process, or one that restarted) runs the rerun.
  const second = newService({ prefix, workerConcurrency: 4 });
  serve(second);
  await second.startWorker();
  await second.rerun('late', id);
  const result = (await second.waitForResult('late', id, { timeoutMs: 30_000 })) as Record<
    string,
    number
  >;
  await sleep(1_000);
  await queue.close();
  expect(Object.keys(result)).toHaveLength(100);
  // The late job's item ran once, on the rerun; the 4 items running at the stop at most twice.
  expect(runs.get(Number(/\[i(\d+)\]/.exec(job.id)?.[1]))).toBe(1);
  expect([...runs].filter(([, n]) => n > 1).length).toBeLessThanOrEqual(4);
  expect([...runs.values()].every((n) => n <= 2)).toBe(true);
});
