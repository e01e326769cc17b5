import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { FINISH_STEP, jobId } from '../../src/format/job-layout.js';
import { removeRequestJobs } from '../../src/queue/request-jobs.js';
import { defineScripts } from '../../src/store/scripts/scripts.js';
import { prefixFor } from './helpers.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  defineScripts(redis);
});
afterAll(async () => {
  await redis.quit();
});

it("removes a request's waiting, delayed and prioritized jobs over several windows, and only those", async () => {
  const prefix = prefixFor();
  const queue = new Queue('{flow}', { connection: redis, prefix });
  const item = (i: number) => `each[i${i}]/item`;
  const add = (id: string, opts: { delay?: number; priority?: number } = {}) => ({
    name: 'node',
    data: {},
    opts: { jobId: id, ...opts },
  });
  // 1,200 waiting jobs of the request (generations 0 and 1) between 1,200 of another one: three
  // windows of the wait list, the other request's entries shifting the cursor.
  const jobs = Array.from({ length: 1_200 }, (_, i) => [
    add(jobId('req:1', item(i), i % 2)),
    add(jobId('req:2', item(i))),
  ]).flat();
  await queue.addBulk(jobs);
  await queue.addBulk([
    add(jobId('req:1', 'late', 0), { delay: 60_000 }),
    add(jobId('req:1', 'urgent', 1), { priority: 3 }),
    add(jobId('req:2', 'urgent', 0), { priority: 3 }),
    // These stay: a wake job, the finish job, a step of a later generation (a rerun meanwhile).
    add(jobId('req:1', 'wait', 0, 't'), { delay: 60_000 }),
    add(jobId('req:1', FINISH_STEP, 1)),
    add(jobId('req:1', item(0), 2)),
  ]);
  expect(await removeRequestJobs(redis, queue, 'req:1', 1)).toBe(1_202);

  const left = [
    ...(await redis.lrange(queue.keys['wait'] ?? '', 0, -1)),
    ...(await redis.zrange(queue.keys['delayed'] ?? '', 0, -1)),
    ...(await redis.zrange(queue.keys['prioritized'] ?? '', 0, -1)),
  ];
  expect(left.filter((id) => id.startsWith('req%3A1|')).sort()).toEqual(
    [
      jobId('req:1', 'wait', 0, 't'),
      jobId('req:1', FINISH_STEP, 1),
      jobId('req:1', item(0), 2),
    ].sort(),
  );
  expect(left.filter((id) => id.startsWith('req%3A2|'))).toHaveLength(1_201);
  // The other request's jobs keep their order; the removed ones' keys are gone.
  const waiting = await redis.lrange(queue.keys['wait'] ?? '', 0, -1);
  const others = waiting.filter((id) => id.startsWith('req%3A2|') && id.includes('each'));
  expect(others).toEqual(Array.from({ length: 1_200 }, (_, i) => jobId('req:2', item(1_199 - i))));
  expect(await redis.exists(queue.toKey(jobId('req:1', item(3), 1)))).toBe(0);
  expect(await redis.exists(queue.toKey(jobId('req:1', 'late', 0)))).toBe(0);
  expect(await redis.exists(queue.toKey(jobId('req:2', item(3))))).toBe(1);
  expect(await redis.lrange(queue.keys['wait'] ?? '', 0, -1)).not.toContain('');
  await queue.close();
});
