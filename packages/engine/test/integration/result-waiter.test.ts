import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { ResultWaiter } from '../../src/client/result-waiter.js';
import { prefixFor } from './helpers.js';

/** A waiter on a fresh events channel, and a promise of the first end announced for `key` on it. */
function waiterFor(key: string) {
  const redis = new Redis(inject('redisUrl'));
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
  return { redis, channel, waiter, announced, close };
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
