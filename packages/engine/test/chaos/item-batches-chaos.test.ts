import { Queue } from 'bullmq';
import { DagflowError, ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { expect, inject, it } from 'vitest';
import { counters, registerFanout } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from '../integration/helpers.js';
import { chaosConfig } from './config.js';
import { Prng } from './prng.js';

const config = chaosConfig();
/** Commands and kills go on for a quarter of the main chaos run (15 s at the CI size). */
const CHAOS_MS = Math.round(config.chaosMs / 4);
const RECOVERY = { LOCK_MS: '1500', STALLED_MS: '500', WORKER_CONCURRENCY: '20' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Submitted {
  readonly id: string;
  readonly items: number;
  reruns: number;
}

/** A command refused because of the request's status (pause of a completed one, ...), which chaos allows. */
function refused(error: unknown): boolean {
  return error instanceof DagflowError && error.code === ErrorCode.INVALID_TRANSITION;
}

it(
  `runs batched for-each items exactly into their join under seeded kills, pauses, stops and reruns (seed ${config.seed})`,
  async () => {
    console.log(
      `item-batch chaos seed ${config.seed} (replay with DAGFLOW_CHAOS_SEED=${config.seed})`,
    );
    const rng = new Prng(config.seed);
    const prefix = prefixFor();
    const count = counters(inject('redisUrl'), prefix);
    const client = newService({ prefix });
    registerFanout(client, count);
    const workers = await Promise.all([
      spawnWorker(prefix, RECOVERY),
      spawnWorker(prefix, RECOVERY),
    ]);
    const requests: Submitted[] = [];
    const submit = async (): Promise<void> => {
      // 1,000 to 2,500 items: 2 to 5 to a job (see plan/item-batches.ts).
      const items = rng.int(1_000, 2_500);
      requests.push({ id: await client.execute('fanout', items), items, reruns: 0 });
    };
    await submit();
    await submit();

    const log: string[] = [];
    let kills = 0;
    const end = Date.now() + CHAOS_MS;
    while (Date.now() < end) {
      await sleep(rng.int(150, 700));
      const target = rng.pick(requests);
      const action = rng.pick(['kill', 'kill', 'pause', 'stop-rerun', 'stop-rerun', 'execute']);
      log.push(`${Date.now() - (end - CHAOS_MS)} ms ${action} ${target.id}`);
      try {
        if (action === 'kill') {
          const at = rng.int(0, workers.length - 1);
          await workers[at]?.kill();
          workers[at] = await spawnWorker(prefix, RECOVERY);
          kills++;
        } else if (action === 'pause') {
          await client.pause('fanout', target.id);
          await sleep(rng.int(50, 600));
          await client.resume('fanout', target.id);
        } else if (action === 'stop-rerun') {
          await client.stop('fanout', target.id);
          await sleep(rng.int(0, 400));
          await client.rerun('fanout', target.id);
          target.reruns++;
        } else {
          await submit();
        }
      } catch (error) {
        if (!refused(error)) throw error;
        log.push(`  refused: ${(error as Error).message}`);
      }
    }

    // Drive every request to its end: a pause whose resume was refused is resumed now.
    for (const { id } of requests) {
      const { status } = await client.state('fanout', id);
      if (status === 'paused') await client.resume('fanout', id);
      if (status === 'stopped') await client.rerun('fanout', id);
    }
    const context = `seed ${config.seed}, ${kills} kills\n${log.join('\n')}`;
    for (const { id, items, reruns } of requests) {
      const result = await client.waitForResult('fanout', id, { timeoutMs: 60_000 });
      // Nothing lost and nothing twice: the join saw each item's output exactly once.
      expect(result, `${id}: ${context}`).toEqual({ items, sum: items * (items - 1) });
      const state = await client.state('fanout', id);
      const item = Object.entries(state.nodes).filter(([path]) => path.endsWith('/work'));
      expect(item, `${id}: ${context}`).toHaveLength(items);
      expect(
        item.filter(([, node]) => node.status !== 'completed'),
        context,
      ).toEqual([]);
      // Handlers run at least once; again only for an attempt a kill or a stop cut short.
      const runs = (await count.all()) as Record<string, number>;
      const repeated = Object.entries(runs).filter(
        ([key, n]) => key.startsWith(`${id}/`) && key.endsWith('/work') && n > 1 + kills + reruns,
      );
      expect(repeated, context).toEqual([]);
      expect(runs[`${id}/summary`] ?? 0, context).toBeGreaterThanOrEqual(1);
    }

    // Nothing stuck: no job of the flow is left waiting, active or delayed.
    const queue = new Queue('{fanout}', { connection: { url: inject('redisUrl') }, prefix });
    await waitFor(
      async () => {
        const jobs = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(jobs).every((n) => n === 0);
      },
      { timeoutMs: 15_000 },
    );
    await queue.close();
    await count.close();
    console.log(
      `item-batch chaos: ${requests.length} requests, ${kills} kills, ${log.length} actions`,
    );
  },
  CHAOS_MS + 180_000,
);
