import { DagflowError } from '@dagflow/engine';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Ticks under ids no caller can create first run on the test kit's virtual clock:
// packages/tests/test/integration/virtual-time/schedules.test.ts. This file keeps the ticks shared by
// two worker processes on real time.

it('starts one request per tick with 2 worker processes, and none after unschedule', async () => {
  const prefix = prefixFor();
  await Promise.all([
    spawnFixture('scheduling.mjs', prefix),
    spawnFixture('scheduling.mjs', prefix),
  ]);
  const client = newService({ prefix, minScheduleIntervalMs: 100 });
  const info = await client.schedule('ticker', { id: 'tick', everyMs: 500, input: { n: 1 } });
  expect(info).toMatchObject({ id: 'tick', everyMs: 500, input: { n: 1 } });
  expect(info.next).toBeGreaterThan(Date.now() - 1_000);
  await sleep(3_000);
  await client.unschedule('ticker', 'tick');
  expect(await client.listSchedules('ticker')).toEqual([]);
  await sleep(300); // a tick taken just before unschedule ends its request
  const { requests } = await client.listRequests('ticker', { limit: 100 });
  const ids = requests.map((r) => r.requestId);
  expect(ids.length).toBeGreaterThanOrEqual(5);
  expect(ids.length).toBeLessThanOrEqual(7);
  const ticks = ids.map((id) => Number(/^s~tick\.(\d+)$/.exec(id)?.[1]));
  expect(new Set(ticks).size).toBe(ids.length);
  const sorted = [...ticks].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++)
    expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeGreaterThanOrEqual(450);
  for (const id of ids) await expect(client.waitForResult('ticker', id)).resolves.toEqual({ n: 1 });
  const redis = new Redis(inject('redisUrl'));
  const ran = await redis.lrange(`${prefix}:ticks`, 0, -1);
  expect(ran.sort()).toEqual([...ids].sort()); // each request ran its node once
  await sleep(1_200);
  expect((await client.listRequests('ticker', { limit: 100 })).requests.length).toBe(ids.length);
  await redis.quit();
});

it('refuses invalid schedules with INVALID_SCHEDULE and unknown flows with FLOW_NOT_FOUND', async () => {
  const prefix = prefixFor();
  await spawnFixture('scheduling.mjs', prefix);
  const client = newService({ prefix });
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (e: unknown) => (e instanceof DagflowError ? e.code : String(e)),
    );
  expect(await codeOf(client.schedule('ticker', { id: 'a', cron: 'not a cron' }))).toBe(
    'INVALID_SCHEDULE',
  );
  expect(
    await codeOf(client.schedule('ticker', { id: 'a', cron: '* * * * *', everyMs: 1000 })),
  ).toBe('INVALID_SCHEDULE');
  expect(await codeOf(client.schedule('ticker', { id: 'a:b', everyMs: 1000 }))).toBe(
    'INVALID_SCHEDULE',
  );
  expect(await codeOf(client.schedule('nope', { id: 'a', everyMs: 1000 }))).toBe('FLOW_NOT_FOUND');
  expect(await codeOf(client.unschedule('ticker', 'missing'))).toBe('SCHEDULE_NOT_FOUND');
  const cron = await client.schedule('ticker', {
    id: 'c',
    cron: '0 9 * * 1-5',
    tz: 'Europe/Paris',
  });
  expect(cron).toMatchObject({ id: 'c', cron: '0 9 * * 1-5', tz: 'Europe/Paris', input: null });
  expect(cron.next).toBeGreaterThan(Date.now());
  await client.unschedule('ticker', 'c');
});

it('keeps to the quotas: schedules per flow and the minimum interval (a minute by default)', async () => {
  const prefix = prefixFor();
  await spawnFixture('scheduling.mjs', prefix);
  const client = newService({ prefix, maxSchedulesPerFlow: 2 });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof DagflowError ? `${e.code}: ${e.message}` : String(e)),
    );
  expect(await failure(client.schedule('ticker', { id: 'fast', everyMs: 100 }))).toMatch(
    /^INVALID_SCHEDULE: .*minScheduleIntervalMs/,
  );
  expect(await failure(client.schedule('ticker', { id: 'secs', cron: '*/5 * * * * *' }))).toMatch(
    /^INVALID_SCHEDULE: .*seconds field/,
  );
  await client.schedule('ticker', { id: 'a', everyMs: 3_600_000 });
  await client.schedule('ticker', { id: 'b', cron: '0 3 * * *' });
  expect(await failure(client.schedule('ticker', { id: 'c', everyMs: 3_600_000 }))).toMatch(
    /^INVALID_SCHEDULE: .*maxSchedulesPerFlow/,
  );
  await client.schedule('ticker', { id: 'a', everyMs: 7_200_000 }); // replacing one is allowed
  expect((await client.listSchedules('ticker')).map((s) => s.id).sort()).toEqual(['a', 'b']);
  await client.unschedule('ticker', 'a');
  await client.unschedule('ticker', 'b');
});
