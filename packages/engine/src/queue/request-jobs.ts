import type { Queue } from 'bullmq';
import type { RedisClient } from '../infra/redis-connection.js';
import { FINISH_STEP, jobId } from '../format/layout.js';
import { runScript } from '../store/scripts/scripts.js';

/**
 * Entries of a queue's structure one call of `lua/removeRequestJobs.lua` scans, at most: about a
 * millisecond of Redis with a 100,000-job wait list, so that other callers are not held up.
 */
const WINDOW = 1_000;

/** Passes over the queue, at most: the first removes, the next ones find what a shift hid from it. */
const MAX_PASSES = 4;

/** Past the last structure (wait, paused, delayed, prioritized) the script scans. */
const DONE = 5;

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
