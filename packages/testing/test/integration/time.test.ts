import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestEnv, failTimes, type TestEnv } from '../../src/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let env: TestEnv;
beforeEach(async () => {
  env = await createTestEnv();
});
afterEach(() => env.close());

describe('skipped time', () => {
  it('runs a schedule of every 15 minutes 4 times in an hour', async () => {
    env.service.register('report', (dag) => dag.node('make', (input: string) => `${input} made`));
    await env.service.schedule('report', {
      id: 'quarterly',
      everyMs: 15 * MINUTE,
      input: 'report',
    });
    await env.runUntilIdle();
    const count = async () => (await env.service.listRequests('report')).requests.length;
    // BullMQ starts an everyMs schedule's first request when the schedule is made.
    expect(await count()).toBe(1);
    await env.advance(HOUR);
    expect(await count()).toBe(1 + 4);
    await env.advance(15 * MINUTE - 1);
    expect(await count()).toBe(5);
    await env.advance(1);
    expect(await count()).toBe(6);
    const page = await env.service.listRequests('report');
    for (const { requestId } of page.requests)
      expect((await env.outcome('report', requestId)).result).toBe('report made');
  });

  it('runs a cron schedule of every quarter hour 4 times in an hour', async () => {
    env.service.register('sync', (dag) => dag.node('pull', () => 'pulled'));
    await env.service.schedule('sync', { id: 'quarter', cron: '*/15 * * * *' });
    await env.advance(HOUR);
    expect((await env.service.listRequests('sync')).requests).toHaveLength(4);
  });

  it("runs a cron schedule's ticks on the pattern's times of the virtual clock, also after an advance", async () => {
    env.service.register('sync', (dag) => dag.node('pull', () => 'pulled'));
    await env.advance(7 * MINUTE + 123); // off the pattern's quarter hours
    await env.service.schedule('sync', { id: 'quarter', cron: '*/15 * * * *', tz: 'UTC' });
    await env.advance(2 * HOUR);
    await env.service.unschedule('sync', 'quarter');
    await env.service.schedule('sync', { id: 'weekdays', cron: '0 9 * * 1-5', tz: 'UTC' });
    await env.advance(7 * 24 * HOUR);
    const { requests } = await env.service.listRequests('sync', { limit: 100 });
    const started = await Promise.all(
      requests.map(async ({ requestId }) => ({
        quarter: requestId.startsWith('s~quarter.'),
        at: (await env.service.state('sync', requestId)).createdAt,
      })),
    );
    const quarters = started.filter((s) => s.quarter).map((s) => s.at);
    expect(quarters).toHaveLength(2 * 4);
    for (const at of quarters) expect(at % (15 * MINUTE)).toBe(0);
    const weekdays = started.filter((s) => !s.quarter).map((s) => new Date(s.at));
    expect(weekdays).toHaveLength(5);
    for (const at of weekdays) {
      expect(at.toISOString()).toMatch(/T09:00:00\.000Z$/);
      expect([0, 6]).not.toContain(at.getUTCDay());
    }
  });

  it('retries with an exponential back-off of a minute as the minutes pass', async () => {
    let calls = 0;
    env.service.register('charge', (dag) =>
      dag.node(
        'card',
        () => {
          calls += 1;
          if (calls < 4) throw new Error('card declined');
          return 'charged';
        },
        { retries: 3, backoff: { type: 'exponential', delayMs: MINUTE } },
      ),
    );
    const { requestId } = await env.run('charge', null);
    expect(calls).toBe(1);
    await env.advance(MINUTE); // the first retry waits a minute
    expect(calls).toBe(2);
    await env.advance(2 * MINUTE - 1); // the second, two
    expect(calls).toBe(2);
    await env.advance(1);
    expect(calls).toBe(3);
    await env.advance(4 * MINUTE); // the third, four
    const done = await env.outcome('charge', requestId);
    expect(done.result).toBe('charged');
    expect(done.nodes['card']?.attempts).toBe(4);
  });

  it('runs a node mocked to fail twice, then succeed', async () => {
    env.service.register('ship', (dag) => {
      dag.node('pack', (order: string) => `${order} packed`);
      dag.node('label', () => 'real label', {
        retries: 2,
        backoff: { type: 'fixed', delayMs: 5 * MINUTE },
      });
      dag.edge('pack', 'label');
    });
    env.mock(
      'ship',
      'label',
      failTimes(2, (packed: string) => `label for ${packed}`),
    );
    const { requestId, nodes } = await env.run('ship', 'book');
    expect(nodes['label']).toMatchObject({ status: 'retrying', attempts: 1 });
    await env.advance(10 * MINUTE);
    const done = await env.outcome('ship', requestId);
    expect(done.result).toBe('label for book packed');
    expect(done.nodes['label']).toMatchObject({
      status: 'completed',
      attempts: 3,
      input: 'book packed',
    });
  });

  it('delays a node by its delayMs and closes a debounce window', async () => {
    env.service.register('digest', (dag) => {
      dag.node('collect', (input: string) => input);
      dag.node('send', (input: string) => `sent ${input}`, { delayMs: 10 * MINUTE });
      dag.edge('collect', 'send');
    });
    const first = await env.service.execute('digest', 'a', {
      debounce: { key: 'k', ms: 5 * MINUTE },
    });
    await env.advance(4 * MINUTE);
    const second = await env.service.execute('digest', 'b', {
      debounce: { key: 'k', ms: 5 * MINUTE },
    });
    expect(second).toBe(first);
    await env.advance(4 * MINUTE); // 8 minutes in: the window (extended to 9) is still open
    expect((await env.outcome('digest', first)).nodes['collect']?.status).toBe('pending');
    await env.advance(MINUTE); // the window closes, 'collect' runs, 'send' waits 10 minutes
    const collected = await env.outcome('digest', first);
    expect(collected.nodes['collect']?.status).toBe('completed');
    expect(collected.status).toBe('running');
    await env.advance(10 * MINUTE);
    expect((await env.outcome('digest', first)).result).toBe('sent b');
  });
});
