import { Queue } from 'bullmq';
import { DagflowError, ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { fairKeys } from '../../src/format/fair-keys.js';
import { registerFairFlows } from '../fixtures/fair-flows.mjs';
import { newService, prefixFor, spawnFixture } from '../integration/helpers.js';
import { chaosConfig } from './config.js';
import { Prng } from './prng.js';

const config = chaosConfig();
/** Commands and kills go on for a quarter of the main chaos run (15 s at the CI size). */
const CHAOS_MS = Math.round(config.chaosMs / 4);
const RECOVERY = { LOCK_MS: '1500', STALLED_MS: '500', WORKER_CONCURRENCY: '10' };
const FLOW = 'fair-chain';
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
  `runs every node of fair-scheduled requests of 4 keys under seeded kills, pauses, stops and reruns (seed ${config.seed})`,
  async () => {
    console.log(`fair chaos seed ${config.seed} (replay with DAGFLOW_CHAOS_SEED=${config.seed})`);
    const rng = new Prng(config.seed);
    const prefix = prefixFor();
    const redis = new Redis(inject('redisUrl'));
    const client = newService({ prefix });
    registerFairFlows(client, redis, prefix);
    const spawn = () => spawnFixture('fair.mjs', prefix, RECOVERY);
    const workers = await Promise.all([spawn(), spawn()]);
    const requests: Submitted[] = [];
    const submit = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const items = rng.int(1, 6);
        const input = { k: `k${rng.int(0, 3)}`, items, ms: rng.int(5, 80) };
        requests.push({ id: await client.execute(FLOW, input), items, reruns: 0 });
      }
    };
    await submit(40);

    const log: string[] = [];
    let kills = 0;
    const end = Date.now() + CHAOS_MS;
    while (Date.now() < end) {
      await sleep(rng.int(150, 700));
      const target = rng.pick(requests);
      const action = rng.pick(['kill', 'kill', 'pause', 'stop-rerun', 'execute', 'execute']);
      log.push(`${Date.now() - (end - CHAOS_MS)} ms ${action} ${target.id}`);
      try {
        if (action === 'kill') {
          const at = rng.int(0, workers.length - 1);
          await workers[at]?.kill();
          workers[at] = await spawn();
          kills++;
        } else if (action === 'pause') {
          await client.pause(FLOW, target.id);
          await sleep(rng.int(50, 600));
          await client.resume(FLOW, target.id);
        } else if (action === 'stop-rerun') {
          await client.stop(FLOW, target.id);
          await sleep(rng.int(0, 400));
          await client.rerun(FLOW, target.id);
          target.reruns++;
        } else {
          await submit(rng.int(5, 30));
        }
      } catch (error) {
        if (!refused(error)) throw error;
        log.push(`  refused: ${(error as Error).message}`);
      }
    }

    for (const { id } of requests) {
      const { status } = await client.state(FLOW, id);
      if (status === 'paused') await client.resume(FLOW, id);
      if (status === 'stopped') await client.rerun(FLOW, id);
    }
    const context = `seed ${config.seed}, ${kills} kills\n${log.join('\n')}`;
    const runs = () => redis.hgetall(`${prefix}:fair:runs`);
    for (const { id, items } of requests) {
      const result = await client.waitForResult(FLOW, id, { timeoutMs: 90_000 });
      // Nothing lost: the last node saw every item's output.
      expect(result, `${id}: ${context}`).toBe(items);
    }
    const counted = await runs();
    for (const { id, items, reruns } of requests) {
      const mine = Object.entries(counted).filter(([key]) => key.startsWith(`${id}/`));
      // first, each item, last: each ran, and again only for an attempt a kill or a stop cut short.
      expect(mine, `${id}: ${context}`).toHaveLength(items + 2);
      const repeated = mine.filter(([, n]) => Number(n) > 1 + kills + reruns);
      expect(repeated, context).toEqual([]);
    }

    // Nothing stuck: no job left in BullMQ, nothing pending or in flight in the scheduler.
    const fair = fairKeys(new Keys(prefix), FLOW);
    const queue = new Queue(`{${FLOW}}`, { connection: { url: inject('redisUrl') }, prefix });
    await waitFor(
      async () => {
        const jobs = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        const held = (await redis.exists(fair.pending)) + (await redis.exists(fair.running));
        return held === 0 && Object.values(jobs).every((n) => n === 0);
      },
      { timeoutMs: 20_000 },
    );
    await queue.close();
    await redis.quit();
    console.log(`fair chaos: ${requests.length} requests, ${kills} kills, ${log.length} actions`);
  },
  CHAOS_MS + 180_000,
);
