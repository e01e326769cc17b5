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
