import { FlowClient, type FlowChange, type RequestChange } from '@dagflow/engine';
import { Redis } from 'ioredis';
import { Keys } from '../../src/format/keys.js';
import { afterEach, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

let client: FlowClient | undefined;
afterEach(async () => client?.close());

it('announces node and request changes to watchers in another process role, in order', async () => {
  const prefix = prefixFor();
  const worker = newService({ prefix });
  worker.register('watched', (dag) => {
    dag.node('first', async (n: number) => {
      await new Promise((done) => setTimeout(done, 50));
      return n + 1;
    });
    dag.node('second', (n: number) => {
      if (n < 0) throw new Error('negative');
      return n * 2;
    });
    dag.edge('first', 'second');
  });
  await worker.startWorker();
  client = new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' });

  const flowChanges: FlowChange[] = [];
  const unwatchFlow = await client.watchFlow('watched', (change) => flowChanges.push(change));
  const id = await client.execute('watched', 1, { requestId: 'watched-1' });
  const changes: RequestChange[] = [];
  const unwatch = await client.watch('watched', id, (change) => changes.push(change));
  expect(await client.waitForResult('watched', id, { timeoutMs: 5_000 })).toBe(4);
  await expect.poll(() => changes.at(-1)).toEqual({ status: 'completed' });
  // `first` may have started before the watch began; a step handed its input starts without a
  // `running` announcement. Every completion after the watch began is heard, in order.
  expect(changes.filter((change) => change.status === 'completed')).toEqual([
    { node: 'first', status: 'completed' },
    { node: 'second', status: 'completed' },
    { status: 'completed' },
  ]);
  // The flow's channel is another connection's: its messages keep their order, not their timing
  // against the request's.
  await expect
    .poll(() => flowChanges)
    .toEqual([
      { requestId: id, status: 'pending' },
      { requestId: id, status: 'completed' },
    ]);

  // After unwatching, nothing more arrives; a failing node is announced as failed.
  await unwatch();
  const failing = await client.execute('watched', -5, { requestId: 'watched-2' });
  const failures: RequestChange[] = [];
  const stop = await client.watch('watched', failing, (change) => failures.push(change));
  await expect(client.waitForResult('watched', failing, { timeoutMs: 5_000 })).rejects.toThrow();
  await expect.poll(() => failures.at(-1)).toEqual({ status: 'failed' });
  expect(failures).toContainEqual({ node: 'second', status: 'failed' });
  expect(changes.at(-1)).toEqual({ status: 'completed' });
  await stop();
  await expect.poll(() => flowChanges.length).toBe(4);
  await unwatchFlow();
  expect(flowChanges.map((change) => change.status)).toEqual([
    'pending',
    'completed',
    'pending',
    'failed',
  ]);
});

it('announces a step handed its input as running once it shows (markRunning)', async () => {
  const prefix = prefixFor();
  const worker = newService({ prefix });
  worker.register('one-step', (dag) =>
    dag.node('only', async (ms: number) => {
      await new Promise((done) => setTimeout(done, ms));
      return ms;
    }),
  );
  await worker.startWorker();
  client = new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' });
  const id = await client.execute('one-step', 600, { requestId: 'one-step-1' });
  const changes: RequestChange[] = [];
  const unwatch = await client.watch('one-step', id, (change) => changes.push(change));
  expect(await client.waitForResult('one-step', id, { timeoutMs: 5_000 })).toBe(600);
  await expect.poll(() => changes.at(-1)).toEqual({ status: 'completed' });
  expect(changes).toEqual([
    { node: 'only', status: 'running' },
    { node: 'only', status: 'completed' },
    { status: 'completed' },
  ]);
  await unwatch();
});

it('keeps steps off the request channel: a waiter or worker hears the request, not its steps', async () => {
  const prefix = prefixFor();
  const worker = newService({ prefix });
  worker.register('wide', (dag) => {
    for (const name of ['a', 'b', 'c', 'd']) dag.node(name, (n: number) => n);
    dag.node('join', (outs: Record<string, number>) => Object.keys(outs).length);
    for (const name of ['a', 'b', 'c', 'd']) dag.edge(name, 'join');
  });
  await worker.startWorker();
  client = new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' });
  // Subscribed by hand to the request's own channel, as a waiter and the workers are.
  const listener = new Redis(inject('redisUrl'));
  const heard: string[] = [];
  listener.on('smessage', (_channel: string, message: string) => heard.push(message));
  await listener.ssubscribe(new Keys(prefix).request('wide', 'wide-1').live);
  const changes: RequestChange[] = [];
  const unwatch = await client.watch('wide', 'wide-1', (change) => changes.push(change));
  const id = await client.execute('wide', 1, { requestId: 'wide-1' });
  expect(await client.waitForResult('wide', id, { timeoutMs: 5_000 })).toBe(4);
  await expect.poll(() => changes.at(-1)).toEqual({ status: 'completed' });
  // The watcher heard the five steps complete; the request's channel carried two messages.
  expect(
    changes.filter((change) => change.node !== undefined && change.status === 'completed'),
  ).toHaveLength(5);
  await expect.poll(() => heard.length).toBe(2);
  expect(heard[0]).toBe('!pending');
  expect(heard[1]?.startsWith('!completed ')).toBe(true);
  await unwatch();
  listener.disconnect();
});
