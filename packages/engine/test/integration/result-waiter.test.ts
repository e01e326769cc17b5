import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { ResultWaiter } from '../../src/resources/result-waiter.js';
import { prefixFor } from './helpers.js';

/** A waiter on a fresh events channel, and a promise of the first end announced for `key` on it. */
function waiterFor(key: string) {
  // Named, so that a test can find the waiter's subscriber connection (a duplicate of this one).
  const name = `waiter-${key.replace(/\W/g, '-')}-${process.pid}`;
  const redis = new Redis(inject('redisUrl'), { connectionName: name });
  const channel = `${prefixFor()}:events`;
  const waiter = new ResultWaiter(redis, channel);
  const announced = new Promise<void>((resolve) => {
    void waiter.onEnded((ended) => {
      if (ended === key) resolve();
    });
  });
  const close = async (): Promise<void> => {
    await waiter.close();
    redis.disconnect();
  };
  return { redis, name, channel, waiter, announced, close };
}

/** Subscribes `waiter` and notes `key` as a request created here under that subscription. */
async function createdHere(waiter: ResultWaiter, key: string): Promise<void> {
  await waiter.onEnded(() => undefined);
  expect(waiter.expectEnd(key)).toBe(true);
  waiter.created(key, true);
}

/** A read that counts its calls and answers `status`. */
function counted(status: () => string) {
  const calls = { reads: 0 };
  const wait = {
    read: () => {
      calls.reads++;
      return Promise.resolve(status());
    },
    ended: (found: string) => found === 'completed',
    timeoutMs: 5_000,
  };
  return { calls, wait };
}

it('wakes a wait whose request ended while its first read was on its way', async () => {
  const { redis, channel, waiter, announced, close } = waiterFor('f/r1');
  try {
    let reads = 0;
    const started = Date.now();
    const found = await waiter.waitForEnd('f/r1', {
      // The first read's reply left Redis before the end, and is handled after its announcement.
      read: async () => {
        reads++;
        if (reads > 1) return 'completed';
        await redis.publish(channel, 'f/r1 completed');
        await announced;
        return 'running';
      },
      ended: (status) => status === 'completed',
      timeoutMs: 5_000,
    });
    expect(found).toBe('completed');
    expect(reads).toBe(2);
    // Read again at once, not after the one-second safety poll.
    expect(Date.now() - started).toBeLessThan(500);
  } finally {
    await close();
  }
});

it('keeps counting the ends for a wait while another wait of the same request returns', async () => {
  const { redis, channel, waiter, announced, close } = waiterFor('f/r2');
  let otherDone = (): void => undefined;
  const other = new Promise<void>((resolve) => (otherDone = resolve));
  try {
    let reads = 0;
    const started = Date.now();
    const slow = waiter.waitForEnd('f/r2', {
      read: async () => {
        reads++;
        if (reads > 1) return 'completed';
        await other; // the other wait has returned (and let go of the request) meanwhile
        await redis.publish(channel, 'f/r2 completed');
        await announced;
        return 'running';
      },
      ended: (status) => status === 'completed',
      timeoutMs: 5_000,
    });
    const quick = { read: () => Promise.resolve('completed'), ended: () => true, timeoutMs: 5_000 };
    expect(await waiter.waitForEnd('f/r2', quick)).toBe('completed');
    otherDone();
    expect(await slow).toBe('completed');
    expect(Date.now() - started).toBeLessThan(500);
  } finally {
    await close();
  }
});

it('begins the wait for a request created here under the live subscription without reading', async () => {
  const { redis, channel, waiter, close } = waiterFor('f/r3');
  try {
    await createdHere(waiter, 'f/r3');
    let status = 'running';
    const { calls, wait } = counted(() => status);
    const started = Date.now();
    const found = waiter.waitForEnd('f/r3', wait);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls.reads).toBe(0);
    status = 'completed';
    await redis.publish(channel, 'f/r3 completed');
    expect(await found).toBe('completed');
    expect(calls.reads).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
  } finally {
    await close();
  }
});

it('reads first when the request was not created here, when its end was heard, or before subscribing', async () => {
  const { redis, channel, waiter, announced, close } = waiterFor('f/r4');
  try {
    // Not subscribed yet: nothing is noted.
    expect(waiter.expectEnd('f/r4')).toBe(false);
    await waiter.onEnded(() => undefined);
    const done = counted(() => 'completed');
    // The create found an existing request (it may have ended long ago, unheard).
    waiter.expectEnd('f/r4');
    waiter.created('f/r4', false);
    expect(await waiter.waitForEnd('f/r4', done.wait)).toBe('completed');
    expect(done.calls.reads).toBe(1);
    // Created here, but its end was announced before the wait began.
    waiter.expectEnd('f/r4');
    waiter.created('f/r4', true);
    await redis.publish(channel, 'f/r4 completed');
    await announced;
    const started = Date.now();
    expect(await waiter.waitForEnd('f/r4', done.wait)).toBe('completed');
    expect(done.calls.reads).toBe(2);
    expect(Date.now() - started).toBeLessThan(500);
  } finally {
    await close();
  }
});

it('reads first for requests noted before its subscriber reconnected', async () => {
  const { redis, name, waiter, close } = waiterFor('f/r5');
  try {
    await createdHere(waiter, 'f/r5');
    // Kill the subscriber connection; an announcement made while it is down would be lost.
    const clients = (await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const ids = clients
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /id=(\d+)/.exec(line)?.[1]);
    expect(ids).toHaveLength(1);
    await redis.call('CLIENT', 'KILL', 'ID', String(ids[0]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const done = counted(() => 'completed');
    const started = Date.now();
    expect(await waiter.waitForEnd('f/r5', done.wait)).toBe('completed');
    expect(done.calls.reads).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
    // Once subscribed again, requests created from then on are waited for without a first read.
    await expect.poll(() => waiter.expectEnd('f/r6'), { timeout: 3_000 }).toBe(true);
  } finally {
    await close();
  }
});

it('still ends an unread wait whose announcement never came, by its safety poll', async () => {
  const { waiter, close } = waiterFor('f/r7');
  try {
    await createdHere(waiter, 'f/r7');
    const { calls, wait } = counted(() => 'completed');
    const started = Date.now();
    expect(await waiter.waitForEnd('f/r7', wait)).toBe('completed');
    expect(calls.reads).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  } finally {
    await close();
  }
});
