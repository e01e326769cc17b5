import { Dag, type FlowService, NonRetryableError } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

/**
 * Keys that may live without a TTL, each with why: they are one per flow or per process (not per
 * request or per caller-chosen value), and are bounded or cleaned by something else. Patterns are
 * matched against the key name after `<prefix>:`.
 */
const PERSISTENT: readonly (readonly [RegExp, string])[] = [
  [/^registry$/, 'published flow definitions: one field per flow'],
  [/^format$/, 'the stored format of the prefix: one key'],
  [/^worker-info$/, 'live worker processes: fields pruned by heartbeats'],
  [/^versions:\{[^}]+\}$/, 'definition versions of a flow, capped by maxVersions'],
  [/^current:\{[^}]+\}$/, "a flow's current version and revision"],
  [/^workers:\{[^}]+\}$/, "a flow's live workers: fields pruned by heartbeats"],
  [/^capable:\{[^}]+\}$/, 'steps each live worker can run: fields pruned by heartbeats'],
  [
    /^requests:\{[^}]+\}$/,
    "a flow's request index: entries of expired requests are trimmed on reads",
  ],
  [/^\{[^}]+\}(\.[^:]+)?:meta$/, "BullMQ queue metadata (one per flow's queue)"],
  [/^\{[^}]+\}(\.[^:]+)?:id$/, "BullMQ's job counter (one per queue)"],
  [/^\{[^}]+\}(\.[^:]+)?:events$/, "BullMQ's event stream, capped by its maxLenEvents"],
  [
    /^\{[^}]+\}(\.[^:]+)?:(completed|failed)$/,
    'BullMQ finished-job sets, trimmed by removeOnComplete/Fail',
  ],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A service serving one flow of every kind; `gate` holds the nodes that wait for it. */
function everyKind(prefix: string): { service: FlowService; open: () => void } {
  const service = newService({
    prefix,
    minScheduleIntervalMs: 100,
    signingKey: `k1:${'s'.repeat(32)}`,
  });
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  service.register('plain', (dag) => {
    dag.node('a', async (n: number, ctx) => {
      await ctx.store.set('seen', n);
      ctx.log.info('a ran');
      return n + 1;
    });
    dag.node('b', (n: number) => n * 2);
    dag.edge('a', 'b');
  });
  service.register('fails', (dag) =>
    dag.node('boom', () => {
      throw new NonRetryableError('broken');
    }),
  );
  service.register('constructs', (dag) => {
    dag.node('start', (n: number) => n);
    const { odd, even } = dag.conditionalBranch('parity', ['odd', 'even'], (n: number) => [
      n % 2 === 0 ? 'even' : 'odd',
    ]);
    odd.node('o', (n: number) => n);
    even.node('e', (n: number) => n);
    const each = dag.forEachBranch('each', (n: number) =>
      Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`i${i}`, n + i])),
    );
    each.subDag(
      'sub',
      new Dag().node('x', (n: number) => n + 1),
    );
    dag.edge('start', 'parity').edge('start', 'each');
  });
  service.register('waits', (dag) => {
    dag.signal('approve');
    dag.sleep('nap', 50);
    dag.flow('child', 'plain', { input: () => 1 });
    dag.edge('approve', 'nap').edge('nap', 'child');
  });
  const match = { 'data.id': '$.id' };
  service.register('events', (dag) => {
    dag.waitFor('paid', { event: 'paid', match, lookbackMs: 60_000 });
    dag.waitFor('shipped', { event: 'shipped', match, timeoutMs: 60_000 });
    dag.waitFor('never', { event: 'never', match });
    dag.signal('approve');
  });
  service.register('keyed', (dag) => dag.node('work', (input: { k: string }) => input.k.length), {
    concurrency: { keyPath: 'k', limit: 1 },
  });
  service.register('gated', (dag) => {
    dag.node('hold', async () => gate);
    dag.node('next', () => 'next');
    dag.edge('hold', 'next');
  });
  service.register('ticker', (dag) => dag.node('tick', (n: unknown) => n));
  service.register('limited', (dag) => dag.node('n', (n: number) => n), {
    deadline: { startMs: 60_000, finishMs: 60_000 },
    singleton: { key: (n: number) => `k${n % 2}`, mode: 'skip' },
  });
  service.register('latest', (dag) => dag.node('n', async (n: number) => gate.then(() => n)), {
    singleton: { key: () => 'one', mode: 'cancel-previous' },
  });
  service.register('streams', (dag) => {
    dag.node('talk', async (n: number, ctx) => {
      for (let i = 0; i < n; i++) await ctx.emit(i);
      return n;
    });
    dag.node('listen', async (chunks: AsyncIterable<unknown>) => {
      let heard = 0;
      for await (const _ of chunks) heard += 1;
      return heard;
    });
    dag.edge('talk', 'listen', { stream: true });
  });
  // A cached node: its output and its lease expire (a failing attempt gives its lease up).
  service.register('cached', (dag) =>
    dag.node(
      'lookup',
      (input: { k: string; fail?: boolean }) => {
        if (input.fail === true) throw new NonRetryableError('no');
        return input.k;
      },
      { cache: { key: (input: { k: string }) => input.k, ttlMs: 60_000 } },
    ),
  );
  // A keyed rate limit: its windows expire.
  service.register('rated', (dag) => dag.node('n', (input: { k: string }) => input.k), {
    rateLimit: { key: (input: { k: string }) => input.k, max: 1, durationMs: 60_000 },
  });
  // Batches (a full one, and a lone one of a long key closed by time): their keys go or expire.
  service.register('batched', (dag) => dag.node('n', (inputs: unknown[]) => inputs.length), {
    batch: { key: (input: { k: string }) => input.k, maxSize: 2, maxWaitMs: 100 },
  });
  // Fair scheduling: the scheduler's sets vanish once empty, its meta and capacity carry a TTL.
  service.register(
    'fair',
    (dag) => {
      dag.node('first', (input: { k: string }) => input.k);
      dag
        .forEachBranch('each', (k: string) => ({ a: k, b: k }))
        .node('item', (k: string) => k.length);
      dag.edge('first', 'each');
    },
    { fairness: { key: (input: { k: string }) => input.k, weight: () => 2, min: 1, max: 4 } },
  );
  return { service, open: () => open() };
}

it('leaves no key without a TTL after every kind of request, but an explicit allow-list', async () => {
  const prefix = prefixFor();
  const { service, open } = everyKind(prefix);
  await service.startWorker();
  const done: [string, string][] = [];
  const run = async (flow: string, input: unknown, options: { deadlineMs?: number } = {}) => {
    const id = await service.execute(flow, input, options);
    done.push([flow, id]);
    return id;
  };
  await run('plain', 1);
  await run('fails', null);
  await run('constructs', 3);
  await run('constructs', 4);
  const waiting = await run('waits', null);
  await service.emit('paid', { id: 'early' }); // kept for the look-back
  const events = await run('events', { id: 'e' });
  const stoppedEvents = await run('events', { id: 's' });
  await run('streams', 3);
  await run('keyed', { k: 'short' });
  await run('keyed', { k: 'x'.repeat(10_000) });
  await run('cached', { k: 'a' });
  await run('cached', { k: 'b', fail: true });
  await run('rated', { k: 'r' });
  await run('fair', { k: 'tenant' });
  await run('fair', { k: 'y'.repeat(10_000) });
  await run('limited', 1);
  await run('limited', 2);
  await run('limited', 3, { deadlineMs: 30_000 });
  await run('latest', 1); // superseded by the next
  await run('latest', 2);
  done.push(['plain', await service.execute('plain', 5, { debounce: { key: 'd', ms: 100 } })]);
  const full = await service.execute('batched', { k: 'full' });
  await service.execute('batched', { k: 'full' });
  const lone = await service.execute('batched', { k: 'x'.repeat(10_000) });
  await service.waitForResult('batched', full);
  await service.waitForResult('batched', lone);
  await service.schedule('ticker', { id: 'often', everyMs: 200, input: 7 });
  // Stopped, and paused with a step held after the pause (the set did not exist when it paused).
  const stopped = await run('gated', null);
  const paused = await run('gated', null);
  await waitFor(
    async () => (await service.state('gated', paused)).nodes['hold']?.status === 'running',
  );
  await service.stop('gated', stopped);
  await service.pause('gated', paused);
  open();
  await waitFor(
    async () => (await service.state('gated', paused)).nodes['hold']?.status === 'completed',
  );
  await service.signal('waits', waiting, 'approve', true);
  await waitFor(
    async () => (await service.state('events', stoppedEvents)).nodes['never']?.status === 'waiting',
  );
  await service.stop('events', stoppedEvents);
  await waitFor(
    async () => (await service.state('events', events)).nodes['never']?.status === 'waiting',
  );
  await service.emit('paid', { id: 'e' });
  await service.emit('shipped', { id: 'e' });
  await service.emit('never', { id: 'e' });
  const url = service.signalUrl('events', events, 'approve', { expiresInMs: 60_000 });
  await service.signalByUrl(url.slice(url.lastIndexOf('/') + 1), 'ok');
  await waitFor(
    async () => (await service.listRequests('ticker', { limit: 10 })).requests.length > 0,
  );
  await service.unschedule('ticker', 'often');
  for (const [flow, id] of done) {
    await waitFor(async () =>
      ['completed', 'failed', 'stopped', 'paused'].includes((await service.state(flow, id)).status),
    );
  }
  for (const { requestId } of (await service.listRequests('ticker', { limit: 10 })).requests)
    await waitFor(async () => (await service.state('ticker', requestId)).status === 'completed');
  expect((await service.state('gated', paused)).status).toBe('paused');
  await sleep(300); // end-of-request work (releases, wakes) settles

  const redis = new Redis(inject('redisUrl'));
  try {
    const persistent: string[] = [];
    const long: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        if ((await redis.pttl(key)) === -1) persistent.push(key);
        if (key.length > prefix.length + 200) long.push(key);
      }
    } while (cursor !== '0');
    const unexplained = persistent
      .map((key) => key.slice(prefix.length + 1))
      .filter((name) => !PERSISTENT.some(([pattern]) => pattern.test(name)))
      .sort();
    expect(unexplained).toEqual([]);
    // A 10,000-character concurrency key is named by its hash.
    expect(long).toEqual([]);
    // The fair scheduler holds nothing once its requests ended: no pending, in-flight or active key.
    const fair = ['active', 'pending', 'jobs', 'running', 'counts', 'weights'];
    for (const name of fair) expect(await redis.exists(`${prefix}:fair:{fair}:${name}`)).toBe(0);
    expect(await redis.pttl(`${prefix}:fair:{fair}:meta`)).toBeGreaterThan(0);
    // Every request's own keys expire (their names carry the request's hash tag).
    expect(persistent.filter((key) => key.includes(':r:{'))).toEqual([]);
  } finally {
    await redis.quit();
  }
});
