import { ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

it('stops a 20,000-item request in a couple of seconds, runs none of its waiting items after, and reruns it to its end', async () => {
  const service = newService({ prefix: prefixFor(), workerConcurrency: 20 });
  let runs = 0;
  service.register('wide', (dag) => {
    dag
      .forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i}`, i])),
      )
      .node('item', async (i: number) => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
        return i;
      });
  });
  await service.startWorker();
  const id = await service.execute('wide', 20_000);
  await waitFor(() => runs > 200, { timeoutMs: 20_000 });
  const started = performance.now();
  await service.stop('wide', id);
  const took = performance.now() - started;
  const atStop = runs;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  // Items that ran when the stop came may finish; no waiting one starts a handler.
  expect(runs - atStop).toBeLessThanOrEqual(20);
  expect((await service.state('wide', id)).status).toBe('stopped');
  console.log(`stop of a 20,000-item request: ${took.toFixed(0)} ms; ${atStop} items had run`);
  expect(took).toBeLessThan(3_000);

  await service.rerun('wide', id);
  const result = (await service.waitForResult('wide', id, { timeoutMs: 60_000 })) as Record<
    string,
    number
  >;
  expect(Object.keys(result)).toHaveLength(20_000);
  // Every item ran, and none twice but those cut off by the stop.
  expect(runs).toBeGreaterThanOrEqual(20_000);
  expect(runs).toBeLessThanOrEqual(20_000 + 20);
}, 120_000);

it('fails a for-each over its flow’s own maxForEachItems with TOO_MANY_ITEMS', async () => {
  const service = newService({ prefix: prefixFor() });
  service.register(
    'capped',
    (dag) => {
      dag
        .forEachBranch('each', (n: number) =>
          Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i}`, i])),
        )
        .node('item', (i: number) => i);
    },
    { maxForEachItems: 10 },
  );
  await service.startWorker();
  expect(await service.waitForResult('capped', await service.execute('capped', 10))).toEqual(
    Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`i${i}`, i])),
  );
  const over = await service.execute('capped', 11);
  await expect(service.waitForResult('capped', over)).rejects.toMatchObject({
    code: ErrorCode.REQUEST_FAILED,
    details: { error: { code: ErrorCode.TOO_MANY_ITEMS } },
  });
  expect(() =>
    service.register('bad', (dag) => dag.node('a', () => 1), { maxForEachItems: 0 }),
  ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }) as Error);
});
