import { DagflowError, type FlowService, type StandardSchemaV1 } from '@dagflow/engine';
import { commandCalls, testRedisOptions, waitFor } from '@dagflow/test-utils';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const match = { 'data.orderId': '$.orderId' };

/** Flows that wait for `payment.succeeded` of their order: plain, with a look-back, timed, gated. */
function withFlows(service: FlowService, gate: Promise<void> = Promise.resolve()): FlowService {
  service.register('order', (dag) => {
    dag.node('start', (order: { orderId: string }) => order);
    dag.waitFor('paid', { event: 'payment.succeeded', match });
    dag.edge('start', 'paid');
  });
  service.register('recent', (dag) =>
    dag.waitFor('paid', { event: 'payment.succeeded', match, lookbackMs: 1_000 }),
  );
  service.register('timed', (dag) =>
    dag.waitFor('paid', { event: 'payment.succeeded', match, timeoutMs: 400 }),
  );
  service.register('gated', (dag) => {
    dag.node('hold', async (order: { orderId: string }) => {
      await gate;
      return order;
    });
    dag.waitFor('paid', { event: 'payment.succeeded', match });
    dag.edge('hold', 'paid');
  });
  return service;
}

async function status(service: FlowService, flow: string, id: string, node = 'paid') {
  return (await service.state(flow, id)).nodes[node]?.status;
}

async function waiting(service: FlowService, flow: string, ids: readonly string[]) {
  await waitFor(async () =>
    (await Promise.all(ids.map((id) => status(service, flow, id)))).every((s) => s === 'waiting'),
  );
}

const redisOptions = testRedisOptions();
const onCluster = 'redisCluster' in redisOptions;

/** The waiter sets of `payment.succeeded` (one slot: on a cluster, on one master). */
async function waitersIn(prefix: string): Promise<string[]> {
  const pattern = `${prefix}:ev:{payment.succeeded}:w:*`;
  if (!('redisCluster' in redisOptions)) {
    const redis = new Redis(redisOptions.redisUrl);
    try {
      return await redis.keys(pattern);
    } finally {
      redis.disconnect();
    }
  }
  const cluster = new Cluster(redisOptions.redisCluster.nodes);
  try {
    await new Promise((resolve) => cluster.once('ready', resolve));
    const found = await Promise.all(cluster.nodes('master').map((node) => node.keys(pattern)));
    return found.flat();
  } finally {
    cluster.disconnect();
  }
}

describe('event waits', () => {
  it('complete with their own event, once; an unmatched event leaves them waiting', async () => {
    const service = withFlows(newService({ prefix: prefixFor() }));
    await service.startWorker();
    const a = await service.execute('order', { orderId: 'a' });
    const b = await service.execute('order', { orderId: 'b' });
    await waiting(service, 'order', [a, b]);

    expect(await service.emit('payment.succeeded', { orderId: 'zzz' })).toEqual({ delivered: 0 });
    expect(await service.emit('payment.failed', { orderId: 'a' })).toEqual({ delivered: 0 });
    await sleep(200);
    expect([await status(service, 'order', a), await status(service, 'order', b)]).toEqual([
      'waiting',
      'waiting',
    ]);

    expect(await service.emit('payment.succeeded', { orderId: 'a', cents: 1 })).toEqual({
      delivered: 1,
    });
    expect(await service.waitForResult('order', a)).toEqual({ orderId: 'a', cents: 1 });
    expect(await service.emit('payment.succeeded', { orderId: 'a', cents: 2 })).toEqual({
      delivered: 0,
    });
    expect(await status(service, 'order', b)).toBe('waiting');
    await service.emit('payment.succeeded', { orderId: 'b', cents: 3 });
    expect(await service.waitForResult('order', b)).toEqual({ orderId: 'b', cents: 3 });
    expect((await service.state('order', a)).nodes['paid']?.attempts).toBe(1);
  });

  it('take no event emitted before they were reached, unless within their look-back', async () => {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const service = withFlows(newService({ prefix: prefixFor() }), gate);
    await service.startWorker();
    const early = await service.execute('gated', { orderId: 'g' });
    await waitFor(async () => (await status(service, 'gated', early, 'hold')) === 'running');
    expect(await service.emit('payment.succeeded', { orderId: 'g', n: 1 })).toEqual({
      delivered: 0,
    });
    open();
    await waiting(service, 'gated', [early]);
    await sleep(200);
    expect(await status(service, 'gated', early)).toBe('waiting');
    await service.emit('payment.succeeded', { orderId: 'g', n: 2 });
    expect(await service.waitForResult('gated', early)).toEqual({ orderId: 'g', n: 2 });

    // Look-back 1 s: an event 0 ms before is taken, one 1.5 s before is not.
    await service.emit('payment.succeeded', { orderId: 'old', n: 3 });
    await sleep(1_500);
    await service.emit('payment.succeeded', { orderId: 'new', n: 4 });
    const fresh = await service.execute('recent', { orderId: 'new' });
    const stale = await service.execute('recent', { orderId: 'old' });
    expect(await service.waitForResult('recent', fresh)).toEqual({ orderId: 'new', n: 4 });
    await waiting(service, 'recent', [stale]);
  });

  it("check the event's data against their data schema", async () => {
    const cents: StandardSchemaV1<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          const given = (value as { cents?: unknown } | null)?.cents;
          return typeof given === 'number'
            ? { value: given }
            : { issues: [{ message: 'no cents' }] };
        },
      },
    };
    const service = newService({ prefix: prefixFor() });
    service.register('priced', (dag) =>
      dag.waitFor('paid', { event: 'priced', match, data: cents }),
    );
    await service.startWorker();
    const [good, bad] = [
      await service.execute('priced', { orderId: 'g' }),
      await service.execute('priced', { orderId: 'b' }),
    ];
    await waiting(service, 'priced', [good, bad]);
    await service.emit('priced', { orderId: 'g', cents: 7 });
    await service.emit('priced', { orderId: 'b' });
    expect(await service.waitForResult('priced', good)).toBe(7);
    await waitFor(async () => (await service.state('priced', bad)).status === 'failed');
    expect((await service.state('priced', bad)).nodes['paid']?.error?.code).toBe(
      'OUTPUT_SCHEMA_MISMATCH',
    );
  });

  it('fail with SIGNAL_TIMEOUT when no event came in time', async () => {
    const service = withFlows(newService({ prefix: prefixFor() }));
    await service.startWorker();
    const id = await service.execute('timed', { orderId: 't' });
    const error = await service.waitForResult('timed', id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DagflowError);
    expect((error as DagflowError).code).toBe('REQUEST_FAILED');
    expect((await service.state('timed', id)).nodes['paid']?.error?.code).toBe('SIGNAL_TIMEOUT');
    expect(await service.emit('payment.succeeded', { orderId: 't' })).toEqual({ delivered: 0 });
  });

  it('leave the index when their request stops; a rerun waits again', async () => {
    const prefix = prefixFor();
    const service = withFlows(newService({ prefix }));
    await service.startWorker();
    const id = await service.execute('order', { orderId: 's' });
    await waiting(service, 'order', [id]);
    expect(await waitersIn(prefix)).toHaveLength(1);
    await service.stop('order', id);
    expect(await waitersIn(prefix)).toEqual([]);
    expect(await service.emit('payment.succeeded', { orderId: 's' })).toEqual({ delivered: 0 });
    await service.rerun('order', id);
    await waiting(service, 'order', [id]);
    expect(await service.emit('payment.succeeded', { orderId: 's', n: 5 })).toEqual({
      delivered: 1,
    });
    expect(await service.waitForResult('order', id)).toEqual({ orderId: 's', n: 5 });
  });

  // On a cluster the event index lives in the event's slot, apart from the requests': the tests above
  // run there too (the cluster project); the load test runs on one Redis, whose commands it counts.
  it.skipIf(onCluster)(
    'match 10,000 waiting requests to 10,000 events, at a flat cost per event',
    { timeout: 180_000 },
    async () => {
      const prefix = prefixFor();
      const service = withFlows(newService({ prefix, workerConcurrency: 50 }));
      await service.startWorker();
      const port = Number(new URL(inject('redisUrl')).port);
      const started = Date.now();
      const execute = async (from: number, count: number) =>
        Promise.all(
          Array.from({ length: count }, (_, i) =>
            service.execute('order', { orderId: `o${from + i}` }, { requestId: `r${from + i}` }),
          ),
        );
      // The cost of one emit (a matching one, delivered; and an unmatched one), over `n` emits.
      const cost = async (from: number, n: number) => {
        const emits = async (orderOf: (i: number) => string) => {
          const [calls, t0] = [await commandCalls(port), performance.now()];
          for (let i = 0; i < n; i++)
            await service.emit('payment.succeeded', { orderId: orderOf(i) });
          const ms = (performance.now() - t0) / n;
          return { commands: ((await commandCalls(port)) - calls - 2) / n, ms };
        };
        return {
          matched: await emits((i) => `o${from + i}`),
          unmatched: await emits((i) => `x${i}`),
        };
      };
      await execute(0, 10);
      await waiting(
        service,
        'order',
        Array.from({ length: 10 }, (_, i) => `r${i}`),
      );
      const few = await cost(0, 10);
      for (let from = 10; from < 10_000; from += 1_000)
        await execute(from, Math.min(1_000, 10_000 - from));
      await waitFor(
        async () => {
          return (await waitersIn(prefix)).length === 10_000 - 10;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      const reached = Date.now();
      const many = await cost(10, 10);
      // Every other request gets its event; each completes with its own, once.
      let delivered = 0;
      for (let from = 20; from < 10_000; from += 200) {
        const results = await Promise.all(
          Array.from({ length: Math.min(200, 10_000 - from) }, (_, i) =>
            service.emit('payment.succeeded', { orderId: `o${from + i}`, n: from + i }),
          ),
        );
        delivered += results.reduce((sum, r) => sum + r.delivered, 0);
      }
      expect(delivered).toBe(10_000 - 20);
      const emitted = Date.now();
      await waitFor(async () => (await waitersIn(prefix)).length === 0, { timeoutMs: 30_000 });
      const results = await Promise.all(
        Array.from({ length: 10_000 }, (_, i) =>
          service.waitForResult('order', `r${i}`, { timeoutMs: 60_000 }),
        ),
      );
      results.forEach((result, i) =>
        expect(result).toEqual(i < 20 ? { orderId: `o${i}` } : { orderId: `o${i}`, n: i }),
      );
      const done = Date.now();
      console.log(
        `events: 10 waiting: ${JSON.stringify(few)}; 10,000 waiting: ${JSON.stringify(many)}; ` +
          `reach ${reached - started} ms, 9,980 emits ${emitted - reached} ms, all done ${done - started} ms`,
      );
      // Matching costs the same whatever the number of waiters (2 round trips, 7 commands with those of
      // the script); a matched emit adds its delivery and the woken step's run, constant too (slack for
      // the worker's own polling in the window; a scan would add thousands).
      expect(many.unmatched.commands).toBeLessThanOrEqual(few.unmatched.commands + 3);
      expect(many.matched.commands).toBeLessThan(few.matched.commands * 1.25);
    },
  );
});
