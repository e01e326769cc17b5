import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../src/index.js';

let env: TestEnv;
beforeEach(async () => {
  env = await createTestEnv();
});
afterEach(() => env.close());

it('closes a batch when advance() passes its maxWaitMs, not before (a BullMQ delayed job)', async () => {
  env.service.register(
    'ingest',
    (dag) => dag.node('sum', (inputs: number[]) => inputs.reduce((sum, n) => sum + n, 0)),
    { batch: { maxSize: 100, maxWaitMs: 60_000 } },
  );
  const positions: number[] = [];
  const id = await env.service.execute('ingest', 5, {
    onBatched: (batch) => positions.push(batch.position),
  });
  await env.advance(30_000);
  const again = await env.service.execute('ingest', 7, {
    onBatched: (batch) => positions.push(batch.position),
  });
  expect(again).toBe(id);
  expect(positions).toEqual([0, 1]);
  await env.advance(29_999); // the window counts from the batch's first input
  expect((await env.service.listRequests('ingest')).requests).toHaveLength(0);
  await env.advance(1);
  expect(await env.outcome('ingest', id)).toMatchObject({ status: 'completed', result: 12 });
});

it('runs a child request and a schedule tick of a batched flow at once, each a batch of one', async () => {
  env.service.register(
    'ingest',
    (dag) => dag.node('sizes', (inputs: number[]) => ({ size: inputs.length, first: inputs[0] })),
    { batch: { maxSize: 100, maxWaitMs: 3_600_000 } },
  );
  env.service.register('parent', (dag) => dag.flow('child', 'ingest', { input: () => 5 }));
  expect(await env.run('parent', null)).toMatchObject({
    status: 'completed',
    result: { size: 1, first: 5 },
  });
  await env.service.schedule('ingest', { id: 'tick', everyMs: 60_000, input: 3 });
  await env.runUntilIdle(); // BullMQ starts an everyMs schedule's first request at once
  const [tick] = (await env.service.listRequests('ingest')).requests.filter((r) =>
    r.requestId.startsWith('s~'),
  );
  expect(await env.outcome('ingest', tick?.requestId ?? '')).toMatchObject({
    status: 'completed',
    result: { size: 1, first: 3 },
  });
});
