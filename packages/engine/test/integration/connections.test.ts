import { FlowService } from '@dagflow/engine';
import { type RedisServer, startRedis, testPrefix, waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * Redis connections of one worker process (docs/scaling.md, "Connections per worker process"), counted
 * with `CLIENT LIST` on a Redis of this file's own, so that no other client is counted. BullMQ names
 * each worker's blocking connection `<prefix>:<queue>`: those are one per queue served (BullMQ cannot
 * share a connection that blocks in `BZPOPMIN`); every other connection of the process (state scripts,
 * BullMQ queues and the non-blocking side of every worker, the subscriber) is shared by all flows.
 */
let redis: RedisServer;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  await admin.client('SETNAME', 'connections-test');
});

afterAll(async () => {
  await admin.quit();
  await redis.stop();
});

/** The process's connections now: the blocking ones (named with the prefix) and the others. */
async function connections(prefix: string): Promise<{ blocking: number; shared: number }> {
  const clients = String(await admin.client('LIST'))
    .split('\n')
    .filter((line) => line.startsWith('id=') && !line.includes(' name=connections-test '));
  const blocking = clients.filter((line) => line.includes(` name=${prefix}:`)).length;
  return { blocking, shared: clients.length - blocking };
}

/** Starts a worker process's service with `flows` one-node flows and runs one request on each. */
async function measure(
  flows: number,
  partitions = 1,
): Promise<{ blocking: number; shared: number }> {
  const prefix = testPrefix(import.meta.url, `f${flows}p${partitions}`);
  const service = new FlowService({ redisUrl: redis.url, prefix, partitions, logLevel: 'error' });
  try {
    for (let i = 0; i < flows; i++) service.register(`f${i}`, (dag) => dag.node('x', (x) => x));
    await service.startWorker();
    const ids = await Promise.all(
      Array.from({ length: flows }, (_, i) => service.execute(`f${i}`, i)),
    );
    await Promise.all(
      ids.map((id, i) => service.waitForResult(`f${i}`, id, { timeoutMs: 30_000 })),
    );
    const counted = await connections(prefix);
    console.log(
      `connections of one worker process: ${flows} flows, ${partitions} partitions: ${counted.blocking} blocking + ${counted.shared} shared`,
    );
    return counted;
  } finally {
    await service.close();
    await waitFor(
      async () => (await connections(prefix)).blocking + (await connections(prefix)).shared === 0,
      {
        timeoutMs: 10_000,
        message: 'the closed service left connections open',
      },
    );
  }
}

it(
  'holds one blocking connection per queue served and a constant number of shared ones (1, 10, 60 flows)',
  { timeout: 120_000 },
  async () => {
    for (const flows of [1, 10, 60]) {
      const { blocking, shared } = await measure(flows);
      // One per queue served, and one for the bulk actions' queue (`bulkRunner`, on by default).
      expect(blocking, `${flows} flows`).toBe(flows + 1);
      // The shared connection and the subscriber, whatever the number of flows.
      expect(shared, `${flows} flows`).toBeLessThanOrEqual(2);
    }
  },
);

it('adds one blocking connection per partition (and one for the flow queue itself)', async () => {
  const { blocking, shared } = await measure(1, 4);
  expect(blocking).toBe(5 + 1);
  expect(shared).toBeLessThanOrEqual(2);
});
