import { ErrorCode } from '@dagflow/engine';
import { expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

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
