import type { Queue } from 'bullmq';
import type { RedisClient } from '../infra/redis-connection.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { FINISH_STEP, jobId } from '../format/job-layout.js';
import { runScript } from '../store/scripts/scripts.js';

/**
 * Entries of a queue's structure one call of `lua/removeRequestJobs.lua` scans, at most: removing 500
 * jobs takes about 3 ms of Redis (measured: median 3.3 ms, p90 4.5 ms on a loaded 2-core machine), so
 * that other callers wait at most that long behind a call.
 */
const WINDOW = 500;

/**
 * Up to this many job ids in a queue, they are removed one by one (BullMQ's removeJob: one LREM of the
 * wait list each, as cheap as a scan of it for a few jobs); more, in bounded scans of the queue.
 */
const FEW_JOBS = 32;

/** Passes over the queue, at most: the first removes, the next ones find what a shift hid from it. */
const MAX_PASSES = 4;

/** Past the last structure (wait, paused, delayed, prioritized) the script scans. */
const DONE = 5;

/**
 * Removes the waiting jobs of a request's `steps` of every generation up to `highestGeneration` (see
 * {@link FEW_JOBS}): by id when there are few, else all the request's jobs that have not started in
 * each queue those steps run on ({@link removeRequestJobs}).
 */
export async function removeWaitingJobs(
  redis: RedisClient,
  queueOf: (name: string) => Queue,
  plan: FlowPlan,
  jobs: {
    readonly requestId: string;
    readonly steps: readonly string[];
    readonly highestGeneration: number;
  },
): Promise<void> {
  const { requestId, steps, highestGeneration } = jobs;
  const byQueue = new Map<string, string[]>();
  for (const step of steps) {
    const name = plan.queueOf(step);
    const group = byQueue.get(name);
    if (group === undefined) byQueue.set(name, [step]);
    else group.push(step);
  }
  const generations = Array.from({ length: highestGeneration + 1 }, (_, g) => g);
  await Promise.all(
    [...byQueue].map(async ([name, group]) => {
      const queue = queueOf(name);
      if (group.length * generations.length > FEW_JOBS) {
        await removeRequestJobs(redis, queue, requestId, highestGeneration);
        return;
      }
      const ids = group.flatMap((step) => generations.map((g) => jobId(requestId, step, g)));
      await Promise.all(ids.map((id) => queue.remove(id).catch(() => 0)));
    }),
  );
}

/**
 * Removes the jobs of a request that have not started (waiting, paused, delayed, prioritized; of
 * every generation up to `highestGeneration`; not its wake or `@finish` jobs) from one queue, with
 * their keys, in calls that each scan at most {@link WINDOW} entries. A pass runs until past the
 * queue's last structure; another follows as long as one removed something, since a removal by
 * another caller between two calls may shift an entry past the cursor. Active jobs stay.
 * @returns the number of jobs removed
 */
export async function removeRequestJobs(
  redis: RedisClient,
  queue: Queue,
  requestId: string,
  highestGeneration: number,
): Promise<number> {
  const { wait, paused, delayed, prioritized } = queue.keys;
  const keys = [wait ?? '', paused ?? '', delayed ?? '', prioritized ?? ''];
  const shared = [queue.toKey(''), jobId(requestId, ''), highestGeneration, FINISH_STEP];
  let total = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let removed = 0;
    for (let structure = 1, index = 0; structure < DONE;) {
      const reply = (await runScript(redis, 'removeRequestJobs', keys, [
        ...shared,
        structure,
        WINDOW,
        index,
      ])) as [number, number, number];
      [structure, index] = reply;
      removed += reply[2];
    }
    total += removed;
    if (removed === 0) break;
  }
  return total;
}
