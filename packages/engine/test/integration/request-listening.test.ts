import { FlowClient } from '@dagflow/engine';
import { Redis } from 'ioredis';
import { afterEach, expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { newService, prefixFor } from './helpers.js';

let client: FlowClient | undefined;
afterEach(async () => client?.close());

/** How many connections listen to a sharded channel (PUBSUB SHARDNUMSUB). */
async function listeners(redis: Redis, channel: string): Promise<number> {
  const reply = (await redis.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

it('listens to a request while its jobs run here and about a second after, then forgets it', async () => {
  const prefix = prefixFor();
  const worker = newService({ prefix });
  worker.register('slow', (dag) =>
    dag.node('only', async (ms: number) => {
      await new Promise((done) => setTimeout(done, ms));
      return ms;
    }),
  );
  await worker.startWorker();
  // A client that does not wait: only the worker listens to the request's channel.
  client = new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' });
  const redis = new Redis(inject('redisUrl'));
  const channel = new Keys(prefix).request('slow', 'slow-1').live;
  await client.execute('slow', 300, { requestId: 'slow-1' });
  await expect.poll(() => listeners(redis, channel), { timeout: 2_000 }).toBe(1);
  await expect
    .poll(async () => (await client?.state('slow', 'slow-1'))?.status, { timeout: 5_000 })
    .toBe('completed');
  const endedAt = Date.now();
  // Still listened to just after its last job (its next job here would often follow)...
  expect(await listeners(redis, channel)).toBe(1);
  // ...and no longer once the linger (1 s, looked over every 250 ms) has passed.
  await expect.poll(() => listeners(redis, channel), { timeout: 3_000, interval: 50 }).toBe(0);
  const forgotAfter = Date.now() - endedAt;
  expect(forgotAfter).toBeGreaterThanOrEqual(700);
  expect(forgotAfter).toBeLessThan(2_000);
  redis.disconnect();
});

/** SUBSCRIBE and SSUBSCRIBE commands the server ran so far (INFO commandstats). */
async function subscribeCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_s?subscribe:calls=(\d+)/gm))
    calls += Number(match[1]);
  return calls;
}

it('does not listen to a request whose jobs end within 20 ms: short steps cost no subscription', async () => {
  const prefix = prefixFor();
  const worker = newService({ prefix });
  worker.register('quick', (dag) => dag.node('only', (n: number) => n + 1));
  await worker.startWorker();
  // A client that does not wait: it subscribes to nothing.
  client = new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' });
  const redis = new Redis(inject('redisUrl'));
  const poll = async (id: string) =>
    expect
      .poll(async () => (await client?.state('quick', id))?.status, { timeout: 5_000 })
      .toBe('completed');
  await poll(await client.execute('quick', 0));
  const before = await subscribeCalls(redis);
  for (let i = 1; i <= 20; i++) await poll(await client.execute('quick', i));
  expect(await subscribeCalls(redis)).toBe(before);
  redis.disconnect();
});
