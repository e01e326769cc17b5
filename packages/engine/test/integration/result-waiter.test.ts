import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { ResultWaiter } from '../../src/resources/result-waiter.js';
import { Subscriptions } from '../../src/resources/subscriptions.js';
import { prefixFor } from './helpers.js';

/** A waiter under a fresh prefix, and how to announce a request's end on its channel. */
function waiterFor(id: string) {
  // Named, so that a test can find the waiter's subscriber connection (a duplicate of this one).
  const name = `waiter-${id}-${process.pid}`;
  const redis = new Redis(inject('redisUrl'), { connectionName: name });
  const subscriptions = new Subscriptions(redis);
  const keys = new Keys(prefixFor());
  const waiter = new ResultWaiter(subscriptions, keys);
  const channel = keys.request('f', id).live;
  const announce = (message: string) => redis.spublish(channel, message);
  const close = async (): Promise<void> => {
    await subscriptions.close();
    redis.disconnect();
  };
  return { redis, name, waiter, announce, close };
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

/** Notes `id` as created here under a live subscription (listen, then the create's answer). */
async function createdHere(waiter: ResultWaiter, id: string) {
  const listening = waiter.listen('f', id);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the subscription is live
  listening.created(true);
  return listening;
}

it('wakes a wait whose request ended while its first read was on its way', async () => {
  const { waiter, announce, close } = waiterFor('r1');
  try {
    let reads = 0;
    const started = Date.now();
    const found = await waiter.waitForEnd('f', 'r1', {
      // The first read's reply left Redis before the end, and is handled after its announcement.
      read: async () => {
        reads++;
        if (reads > 1) return 'completed';
        await new Promise((resolve) => setTimeout(resolve, 30));
        await announce('!completed');
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
  const { waiter, announce, close } = waiterFor('r2');
  let otherDone = (): void => undefined;
  const other = new Promise<void>((resolve) => (otherDone = resolve));
  try {
    let reads = 0;
    const started = Date.now();
    const slow = waiter.waitForEnd('f', 'r2', {
      read: async () => {
        reads++;
        if (reads > 1) return 'completed';
        await other; // the other wait has returned (and let go of the request) meanwhile
        await announce('!completed');
        await new Promise((resolve) => setTimeout(resolve, 30)); // heard before this reply
        return 'running';
      },
      ended: (status) => status === 'completed',
      timeoutMs: 5_000,
    });
    const quick = { read: () => Promise.resolve('completed'), ended: () => true, timeoutMs: 5_000 };
    expect(await waiter.waitForEnd('f', 'r2', quick)).toBe('completed');
    otherDone();
    expect(await slow).toBe('completed');
    expect(Date.now() - started).toBeLessThan(500);
  } finally {
    await close();
  }
});

it('begins the wait for a request created here under the live subscription without reading', async () => {
  const { waiter, announce, close } = waiterFor('r3');
  try {
    const listening = await createdHere(waiter, 'r3');
    let status = 'running';
    const { calls, wait } = counted(() => status);
    const started = Date.now();
    const found = waiter.waitForEnd('f', 'r3', wait);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls.reads).toBe(0);
    status = 'completed';
    await announce('!completed');
    expect(await found).toBe('completed');
    expect(calls.reads).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
    listening.release();
  } finally {
    await close();
  }
});

it('ends a wait with the result a completion announces, without a read', async () => {
  const { waiter, announce, close } = waiterFor('r8');
  try {
    const listening = await createdHere(waiter, 'r8');
    const { calls, wait } = counted(() => 'completed');
    const found = waiter.waitForEnd('f', 'r8', {
      ...wait,
      ended: (found: string) => found.startsWith('out:') || found === 'completed',
      fromAnnouncement: (end) => (end.output === undefined ? undefined : `out:${end.output}`),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await announce('!completed v1 {"a": 1}');
    expect(await found).toBe('out:{"a": 1}');
    expect(calls.reads).toBe(0);
    listening.release();
  } finally {
    await close();
  }
});

it('does not end a wait with an end announced before it began (a rerun right after a waited run)', async () => {
  const { waiter, announce, close } = waiterFor('r9');
  try {
    // A waited execute keeps listening a moment after its wait; the request ends and is rerun then.
    const listening = await createdHere(waiter, 'r9');
    await announce('!completed v1 {"b": 2}');
    await new Promise((resolve) => setTimeout(resolve, 50));
    let status = 'running';
    const found = waiter.waitForEnd('f', 'r9', {
      read: () => Promise.resolve(status),
      ended: (found: string) => found.startsWith('out:') || found === 'completed',
      fromAnnouncement: (end) => (end.output === undefined ? undefined : `out:${end.output}`),
      timeoutMs: 5_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // past a safety poll
    status = 'completed';
    await announce('!completed v1 {"b": 10}');
    // Before the fix it answered the earlier end's output, {"b": 2}, at once.
    expect(await found).toBe('out:{"b": 10}');
    listening.release();
  } finally {
    await close();
  }
});

it('reads at once for a wait whose request created here was announced ended before the wait began', async () => {
  const { waiter, announce, close } = waiterFor('r10');
  try {
    const listening = await createdHere(waiter, 'r10');
    await announce('!completed v1 7');
    await new Promise((resolve) => setTimeout(resolve, 50)); // heard before the wait begins
    const { calls, wait } = counted(() => 'completed');
    const started = Date.now();
    const found = await waiter.waitForEnd('f', 'r10', {
      ...wait,
      ended: (found: string) => found.startsWith('out:') || found === 'completed',
      fromAnnouncement: (end) => (end.output === undefined ? undefined : `out:${end.output}`),
    });
    // One read, not the announcement: an end heard before the wait may be of an earlier run (see
    // the test above).
    expect(found).toBe('completed');
    expect(calls.reads).toBe(1);
    // Not by the safety poll (a second).
    expect(Date.now() - started).toBeLessThan(500);
    listening.release();
  } finally {
    await close();
  }
});

it('reads first when the request was not created here, or before its subscription was live', async () => {
  const { waiter, close } = waiterFor('r4');
  try {
    const done = counted(() => 'completed');
    // The create found an existing request (it may have ended long ago, unheard).
    const existing = waiter.listen('f', 'r4');
    await new Promise((resolve) => setTimeout(resolve, 50));
    existing.created(false);
    expect(await waiter.waitForEnd('f', 'r4', done.wait)).toBe('completed');
    expect(done.calls.reads).toBe(1);
    existing.release();
    // Created before the subscription went live.
    const early = waiter.listen('f', 'r4');
    early.created(true);
    expect(await waiter.waitForEnd('f', 'r4', done.wait)).toBe('completed');
    expect(done.calls.reads).toBe(2);
    early.release();
  } finally {
    await close();
  }
});

it('reads first for requests noted before its subscriber reconnected', async () => {
  const { redis, name, waiter, close } = waiterFor('r5');
  try {
    const listening = await createdHere(waiter, 'r5');
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
    expect(await waiter.waitForEnd('f', 'r5', done.wait)).toBe('completed');
    expect(done.calls.reads).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
    listening.release();
  } finally {
    await close();
  }
});

it('still ends an unread wait whose announcement never came, by its safety poll', async () => {
  const { waiter, close } = waiterFor('r7');
  try {
    const listening = await createdHere(waiter, 'r7');
    const { calls, wait } = counted(() => 'completed');
    const started = Date.now();
    expect(await waiter.waitForEnd('f', 'r7', wait)).toBe('completed');
    expect(calls.reads).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    listening.release();
  } finally {
    await close();
  }
});
