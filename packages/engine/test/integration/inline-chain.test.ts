import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { counters, registerTestFlows } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from './helpers.js';

/** The node jobs BullMQ added for a request, from the flow queue's event stream. */
async function jobsAdded(prefix: string, flow: string, requestId: string): Promise<string[]> {
  const redis = new Redis(inject('redisUrl'));
  const events = await redis.xrange(`${prefix}:{${flow}}:events`, '-', '+');
  redis.disconnect();
  return events.flatMap(([, fields]) => {
    const event = fields[fields.indexOf('event') + 1];
    const id = fields[fields.indexOf('jobId') + 1] ?? '';
    return event === 'added' && id.includes(requestId) ? [id] : [];
  });
}

describe('steps run inside the job of the step before them', () => {
  it('runs a chain of tasks without retries in one job, each step recorded as its own', async () => {
    const prefix = prefixFor();
    const service = newService({ prefix });
    service.register('chain5', (dag) => {
      for (let i = 0; i < 5; i++) dag.node(`n${i}`, (x: number) => x + 1);
      for (let i = 1; i < 5; i++) dag.edge(`n${i - 1}`, `n${i}`);
    });
    // A step with retries goes to the queue: its retries are BullMQ's.
    service.register('chain-retry', (dag) => {
      dag.node('a', (x: number) => x + 1);
      dag.node('b', (x: number) => x + 1, { retries: 2 });
      dag.node('c', (x: number) => x + 1);
      dag.edge('a', 'b').edge('b', 'c');
    });
    await service.startWorker();
    const id = await service.execute('chain5', 0);
    expect(await service.waitForResult('chain5', id)).toBe(5);
    const state = await service.state('chain5', id);
    for (let i = 0; i < 5; i++) {
      expect(state.nodes[`n${i}`]).toMatchObject({ status: 'completed', attempts: 1 });
    }
    expect(await jobsAdded(prefix, 'chain5', id)).toHaveLength(1);

    const retry = await service.execute('chain-retry', 0);
    expect(await service.waitForResult('chain-retry', retry)).toBe(3);
    // a, then b (c runs inside b's job).
    expect(await jobsAdded(prefix, 'chain-retry', retry)).toEqual([
      expect.stringMatching(/\|a$/),
      expect.stringMatching(/\|b$/),
    ]);
    await service.close();
  });

  it('lists the step a job runs now on the workers page, not the step the job began with', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('slow-second', (dag) => {
      dag.node('first', (x: string) => x);
      dag.node('second', async (x: string) => {
        await new Promise((resolve) => setTimeout(resolve, 8_000));
        return x;
      });
      dag.edge('first', 'second');
    });
    await service.startWorker();
    const id = await service.execute('slow-second', 'x');
    // The announcement every 5 s lists the running step of the chain.
    await waitFor(
      async () =>
        (await service.workers()).some((worker) =>
          worker.running.some((node) => node.requestId === id && node.path === 'second'),
        ),
      { timeoutMs: 8_000, intervalMs: 200 },
    );
    expect(await service.waitForResult('slow-second', id)).toBe('x');
    await service.close();
  });

  it('runs a diamond in two jobs: the join runs in the job of the branch that finished last', async () => {
    const prefix = prefixFor();
    const count = counters(inject('redisUrl'), prefix);
    const service = newService({ prefix });
    registerTestFlows(service, count);
    await service.startWorker();
    const id = await service.execute('diamond', 1);
    expect(await service.waitForResult('diamond', id)).toEqual({ joined: { B: 4, C: 6 } });
    expect(await jobsAdded(prefix, 'diamond', id)).toHaveLength(2);
    expect(Object.values(await count.all())).toEqual([1, 1, 1, 1]);
    await count.close();
    await service.close();
  });

  it('fails the step a job ran after its own when that job stalls too often, instead of leaving it running', async () => {
    const prefix = prefixFor();
    const count = counters(inject('redisUrl'), prefix);
    const client = newService({ prefix });
    registerTestFlows(client, count);
    const recovery = { LOCK_MS: '1000', STALLED_MS: '300' };
    let worker = await spawnWorker(prefix, recovery);
    const id = await client.execute('slow-chain', 'x');
    // `slow` runs inside the job of `first`; each worker running it is killed, until BullMQ gives
    // the job up (more than 2 stalls).
    for (let attempt = 1; attempt <= 3; attempt++) {
      await waitFor(
        async () => (await client.state('slow-chain', id)).nodes['slow']?.attempts === attempt,
        { timeoutMs: 20_000 },
      );
      await worker.kill();
      worker = await spawnWorker(prefix, recovery);
    }
    await waitFor(async () => (await client.state('slow-chain', id)).status === 'failed', {
      timeoutMs: 20_000,
    });
    const state = await client.state('slow-chain', id);
    expect(state.nodes['first']?.status).toBe('completed');
    expect(state.nodes['slow']?.status).toBe('failed');
    expect(state.error).toMatchObject({ node: 'slow', message: expect.stringMatching(/stalled/i) });
    expect(state.nodes['last']?.status).not.toBe('completed');
    await worker.kill();
    await count.close();
  });
});
