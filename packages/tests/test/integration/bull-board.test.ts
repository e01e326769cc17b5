import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { FlowService } from '@dagflow/engine';
import { testPrefix, testRedisOptions } from '@dagflow/test-utils';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, expect, inject, it } from 'vitest';

/** One queue as bull-board's API (`GET <base>/api/queues`) shows it. */
interface BoardQueue {
  readonly name: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly jobs: readonly { readonly name: string; readonly data: unknown }[];
}

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** bull-board (its own express adapter) on loopback over the named queues; answers its API's URL. */
async function boardOver(queues: readonly Queue[]): Promise<string> {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/board');
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter });
  const app = express();
  app.use('/board', serverAdapter.getRouter());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((listening) => server.once('listening', listening));
  closers.push(() => new Promise((closed) => server.close(closed)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/board/api/queues`;
}

async function boardQueue(api: string, queue: string, status: string): Promise<BoardQueue> {
  const query = new URLSearchParams({ activeQueue: queue, status, page: '1', jobsPerPage: '50' });
  const response = await fetch(`${api}?${query.toString()}`);
  expect(response.status).toBe(200);
  const { queues } = (await response.json()) as { queues: BoardQueue[] };
  const found = queues.find((candidate) => candidate.name === queue);
  if (found === undefined) throw new Error(`bull-board does not list ${queue}`);
  return found;
}

it('shows our jobs in bull-board by node path, with the finished ones the service keeps', async () => {
  const prefix = testPrefix(import.meta.url, 'bull-board');
  const service = new FlowService({
    ...testRedisOptions(),
    prefix,
    logLevel: 'error',
    keepJobs: { completed: 5, failed: 3 },
  });
  closers.push(() => service.close());
  service.register('order', (dag) => {
    dag.node('check', (n: number) => n);
    dag.node('price', (n: number) => n * 2);
    dag.node('stock', (n: number) => n * 3);
    dag.node('ship', (outs: Record<string, number>) => outs);
    dag.edge('check', 'price').edge('check', 'stock').edge('price', 'ship').edge('stock', 'ship');
  });
  service.register('refund', (dag) =>
    dag.node('pay-back', () => {
      throw new Error('bank down');
    }),
  );
  await service.startWorker();
  for (let n = 1; n <= 4; n++)
    await service.waitForResult('order', await service.execute('order', n));
  const refund = await service.execute('refund', 1);
  await expect(service.waitForResult('refund', refund)).rejects.toThrow(/bank down/);

  // The queue names a user points bull-board at: `{flow}` under the service's prefix.
  const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  closers.push(() => connection.quit());
  const queues = ['{order}', '{refund}'].map((name) => new Queue(name, { connection, prefix }));
  closers.push(() => Promise.all(queues.map((queue) => queue.close())));
  const api = await boardOver(queues);

  // 4 requests of 4 nodes ran as 8 jobs (one released step runs next in its parent's job): 5 kept.
  const order = await boardQueue(api, '{order}', 'completed');
  expect(order.counts['completed']).toBe(5);
  expect(order.jobs).toHaveLength(5);
  for (const job of order.jobs) expect(['check', 'price', 'stock', 'ship']).toContain(job.name);
  expect(order.jobs.map((job) => job.name)).toContain('check');
  const failed = await boardQueue(api, '{refund}', 'failed');
  expect(failed.counts['failed']).toBe(1);
  expect(failed.jobs.map((job) => job.name)).toEqual(['pay-back']);
});

it('keeps no finished job by default', async () => {
  const prefix = testPrefix(import.meta.url, 'bull-board-default');
  const service = new FlowService({ ...testRedisOptions(), prefix, logLevel: 'error' });
  closers.push(() => service.close());
  service.register('one', (dag) => dag.node('only', (n: number) => n));
  await service.startWorker();
  await service.waitForResult('one', await service.execute('one', 1));
  const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  closers.push(() => connection.quit());
  const queue = new Queue('{one}', { connection, prefix });
  closers.push(() => queue.close());
  expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 0, failed: 0 });
});
