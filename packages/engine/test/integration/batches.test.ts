import { type FlowService, batchPart } from '@dagflow/engine';
import type { WorkerProcess } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { afterEach, expect, inject, it } from 'vitest';
import { registerBatchFlows } from '../fixtures/batch-flows.mjs';
import { Keys } from '../../src/format/keys.js';
import { BatchStore } from '../../src/store/batch-store.js';
import { defineScripts } from '../../src/store/scripts/scripts.js';
import { newService, prefixFor, spawnFixture } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One run of a batched flow's handler, as the fixture records it. */
interface Run {
  readonly id: string;
  readonly pid: number;
  readonly at: number;
  readonly inputs: unknown[];
}

const connections: Redis[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((redis) => redis.quit()));
});

/** A client service (no worker) that registered the batch flows, so that its executes batch. */
function batchClient(prefix: string): { client: FlowService; redis: Redis } {
  const redis = new Redis(inject('redisUrl'));
  connections.push(redis);
  const client = newService({ prefix });
  registerBatchFlows(client, redis, prefix);
  return { client, redis };
}

async function runsOf(redis: Redis, prefix: string, flow: string): Promise<Run[]> {
  return (await redis.lrange(`${prefix}:runs:${flow}`, 0, -1)).map((run) => JSON.parse(run) as Run);
}

/** Executes `input` and answers the batch request's id with the input's position. */
async function place(
  client: FlowService,
  flow: string,
  input: unknown,
): Promise<{ id: string; position: number }> {
  let position = -1;
  const id = await client.execute(flow, input, {
    onBatched: (batch) => (position = batch.position),
  });
  return { id, position };
}

it('1,000 executes with maxSize 100 run as exactly 10 batches of 100 on two workers; each caller gets its part', async () => {
  const prefix = prefixFor();
  const workers = await Promise.all([
    spawnFixture('batch-worker.mjs', prefix),
    spawnFixture('batch-worker.mjs', prefix),
  ]);
  const { client, redis } = batchClient(prefix);
  const placed = await Promise.all(
    Array.from({ length: 1_000 }, async (_, n) => ({
      n,
      ...(await place(client, 'batch-100', n)),
    })),
  );
  const ids = new Set(placed.map((p) => p.id));
  expect(ids.size).toBe(10);
  for (const id of ids) {
    const positions = placed.filter((p) => p.id === id).map((p) => p.position);
    expect(positions.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  }
  const parts = await Promise.all(
    placed.map(async (p) =>
      batchPart(await client.waitForResult('batch-100', p.id, { timeoutMs: 30_000 }), p.position),
    ),
  );
  expect(parts).toEqual(placed.map((p) => p.n * 2));
  await sleep(2_500); // past maxWaitMs: the close jobs of the full batches find nothing to do
  const runs = await runsOf(redis, prefix, 'batch-100');
  expect(runs.length).toBe(10);
  expect(runs.map((run) => run.inputs.length)).toEqual(Array(10).fill(100));
  expect(new Set(runs.map((run) => run.id))).toEqual(ids);
  const inputs = runs.flatMap((run) => run.inputs as number[]).sort((a, b) => a - b);
  expect(inputs).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
  // Each input sits at its caller's position in its batch's input.
  for (const p of placed.slice(0, 50))
    expect(runs.find((run) => run.id === p.id)?.inputs[p.position]).toBe(p.n);
  const pids = workers.map((worker) => worker.pid);
  const perWorker = pids.map((pid) => runs.filter((run) => run.pid === pid).length);
  expect(perWorker.reduce((a, b) => a + b, 0)).toBe(10);
  console.log(`batches per worker process: ${perWorker.join(' + ')}`);
});

it('runs a lone execute once maxWaitMs passed, not before', async () => {
  const prefix = prefixFor();
  await spawnFixture('batch-worker.mjs', prefix);
  const { client, redis } = batchClient(prefix);
  const before = Date.now();
  const { id, position } = await place(client, 'batch-lone', 7);
  expect(position).toBe(0);
  await sleep(800); // maxWaitMs is 1,000
  expect(await runsOf(redis, prefix, 'batch-lone')).toEqual([]);
  await expect(client.state('batch-lone', id)).rejects.toMatchObject({ code: 'REQUEST_NOT_FOUND' });
  await expect(client.waitForResult('batch-lone', id, { timeoutMs: 5_000 })).resolves.toEqual([14]);
  const [run] = await runsOf(redis, prefix, 'batch-lone');
  const after = (run?.at ?? 0) - before;
  console.log(`lone batch ran ${after} ms after its execute (maxWaitMs 1000)`);
  expect(after).toBeGreaterThanOrEqual(1_000);
  expect(after).toBeLessThan(1_000 + 1_000);
  // The next execute opens a new batch.
  const next = await place(client, 'batch-lone', 8);
  expect(next.id).not.toBe(id);
  expect(next.position).toBe(0);
});

it('runs a full batch whose filling execute died before creating its request, at maxWaitMs', async () => {
  const prefix = prefixFor();
  await spawnFixture('batch-worker.mjs', prefix);
  const { client, redis } = batchClient(prefix);
  const placed = [];
  for (let n = 0; n < 9; n++) placed.push(await place(client, 'batch-lone', n));
  const [{ id } = { id: '' }] = placed;
  // The 10th input fills the batch (it closes in the script) and its caller dies: no request.
  defineScripts(redis);
  const filled = await new BatchStore(redis, new Keys(prefix)).add(
    { flow: 'batch-lone', key: '' },
    { fresh: 'unused', input: '9', maxSize: 10, maxBytes: 1 << 20, due: 0, ttlMs: 60_000 },
  );
  expect(filled).toMatchObject({ batchId: id, position: 9, filled: true });
  const next = await place(client, 'batch-lone', 10); // a closed batch takes no input
  expect(next.id).not.toBe(id);
  // The batch's close job (armed by its first execute) creates the request at maxWaitMs.
  await expect(client.waitForResult('batch-lone', id, { timeoutMs: 5_000 })).resolves.toEqual(
    Array.from({ length: 10 }, (_, n) => n * 2),
  );
  await expect(client.waitForResult('batch-lone', next.id, { timeoutMs: 5_000 })).resolves.toEqual([
    20,
  ]);
  const runs = await runsOf(redis, prefix, 'batch-lone');
  expect(runs.map((run) => run.inputs.length)).toEqual([10, 1]);
});

it('closes a batch early when one more input would take it past 1 MiB; refuses a larger input', async () => {
  const prefix = prefixFor();
  await spawnFixture('batch-worker.mjs', prefix);
  const { client, redis } = batchClient(prefix);
  const big = (c: string) => c.repeat(400_000);
  const started = Date.now();
  const first = await place(client, 'batch-lone', big('a'));
  const second = await place(client, 'batch-lone', big('b'));
  const third = await place(client, 'batch-lone', big('c')); // 1.2 MB with the others: a new batch
  expect(second).toEqual({ id: first.id, position: 1 });
  expect(third.id).not.toBe(first.id);
  expect(third.position).toBe(0);
  const result = (await client.waitForResult('batch-lone', first.id)) as string[];
  expect(result.map((input) => input.length)).toEqual([400_000, 400_000]);
  expect(Date.now() - started).toBeLessThan(1_000); // closed by size, not by time
  await expect(client.execute('batch-lone', big('d').repeat(3))).rejects.toMatchObject({
    code: 'PAYLOAD_TOO_LARGE',
  });
  await client.waitForResult('batch-lone', third.id);
  expect((await runsOf(redis, prefix, 'batch-lone')).map((run) => run.inputs.length)).toEqual([
    2, 1,
  ]);
});

it('collects each key apart: key a fills its batch, key b closes by time', async () => {
  const prefix = prefixFor();
  await spawnFixture('batch-worker.mjs', prefix);
  const { client, redis } = batchClient(prefix);
  const a = [];
  const b = [];
  for (let n = 0; n < 3; n++) {
    a.push(await place(client, 'batch-keyed', { k: 'a', n }));
    if (n < 2) b.push(await place(client, 'batch-keyed', { k: 'b', n }));
  }
  expect(new Set(a.map((p) => p.id)).size).toBe(1);
  expect(new Set(b.map((p) => p.id)).size).toBe(1);
  expect(a[0]?.id).not.toBe(b[0]?.id);
  expect(a.map((p) => p.position)).toEqual([0, 1, 2]);
  expect(b.map((p) => p.position)).toEqual([0, 1]);
  const idA = a[0]?.id ?? '';
  const idB = b[0]?.id ?? '';
  await expect(client.waitForResult('batch-keyed', idA)).resolves.toEqual([
    { k: 'a', n: 0 },
    { k: 'a', n: 1 },
    { k: 'a', n: 2 },
  ]);
  await expect(client.waitForResult('batch-keyed', idB)).resolves.toEqual([
    { k: 'b', n: 0 },
    { k: 'b', n: 1 },
  ]);
  const runs = await runsOf(redis, prefix, 'batch-keyed');
  expect(runs.map((run) => run.inputs.length).sort()).toEqual([2, 3]);
});

it('forms batches of exactly maxSize when two client processes execute into one key at once', async () => {
  const prefix = prefixFor();
  await Promise.all([
    spawnFixture('batch-worker.mjs', prefix),
    spawnFixture('batch-worker.mjs', prefix),
  ]);
  const clients = await Promise.all([
    spawnFixture('batch-client.mjs', prefix),
    spawnFixture('batch-client.mjs', prefix),
  ]);
  const redis = new Redis(inject('redisUrl'));
  connections.push(redis);
  // 530 inputs, 265 per client, sent at the same moment: 5 full batches and one of 30.
  const done = (client: WorkerProcess) =>
    new Promise<void>((resolve) => client.child.on('message', (m) => m === 'done' && resolve()));
  const finished = clients.map(done);
  clients.forEach((client, c) =>
    client.child.send({
      flow: 'batch-100',
      inputs: Array.from({ length: 265 }, (_, i) => c * 1_000 + i),
    }),
  );
  await Promise.all(finished);
  const placed = (
    await Promise.all(
      clients.map((client) => redis.lrange(`${prefix}:placed:${client.pid}`, 0, -1)),
    )
  )
    .flat()
    .map((entry) => JSON.parse(entry) as [number, string, number]);
  expect(placed.length).toBe(530);
  const sizes = new Map<string, number>();
  for (const [, id] of placed) sizes.set(id, (sizes.get(id) ?? 0) + 1);
  expect([...sizes.values()].sort((x, y) => y - x)).toEqual([100, 100, 100, 100, 100, 30]);
  // The clients' executes interleaved: batches hold inputs of both.
  const mixed = [...sizes.keys()].filter((batchId) => {
    const inBatch = placed.filter(([, id]) => id === batchId);
    return new Set(inBatch.map(([n]) => n >= 1_000)).size === 2;
  });
  console.log(`batches mixing both clients' inputs: ${mixed.length} of ${sizes.size}`);
  expect(mixed.length).toBeGreaterThanOrEqual(3);
  const deadline = Date.now() + 10_000;
  while ((await runsOf(redis, prefix, 'batch-100')).length < 6 && Date.now() < deadline)
    await sleep(100);
  const runs = await runsOf(redis, prefix, 'batch-100');
  expect(runs.length).toBe(6);
  for (const [n, id, position] of placed)
    expect(runs.find((run) => run.id === id)?.inputs[position]).toBe(n);
  const all = runs.flatMap((run) => run.inputs as number[]);
  expect(new Set(all).size).toBe(530);
});

it('batches the executes of a process without the flow code (the option is published)', async () => {
  const prefix = prefixFor();
  await spawnFixture('batch-worker.mjs', prefix);
  const bare = newService({ prefix }); // registers nothing: knows the flows from the registry
  const placed = [await place(bare, 'batch-lone', 1), await place(bare, 'batch-lone', 2)];
  expect(placed.map((p) => p.position)).toEqual([0, 1]);
  expect(placed[1]?.id).toBe(placed[0]?.id);
  await expect(bare.waitForResult('batch-lone', placed[0]?.id ?? '')).resolves.toEqual([2, 4]);
  // A keyed batch needs the key function: refused, nothing stored.
  await expect(bare.execute('batch-keyed', { k: 'a' })).rejects.toMatchObject({
    code: 'NO_HANDLER',
  });
});

it('refuses options that make no sense for a batched execute with INVALID_INPUT', async () => {
  const prefix = prefixFor();
  const { client } = batchClient(prefix);
  for (const options of [
    { requestId: 'mine' },
    { debounce: { key: 'd', ms: 100 } },
    { deadlineMs: 1_000 },
    { priority: 1 },
  ]) {
    await expect(client.execute('batch-lone', 1, options)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  }
});
