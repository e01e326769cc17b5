import { DagflowError, ErrorCode } from '@dagflow/flow';
import { Redis } from 'ioredis';
import { afterAll, expect, inject, it } from 'vitest';
import { STORED_FORMAT_VERSION } from '../../src/format/stored-format.js';
import { newService, prefixFor } from './helpers.js';

const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.quit());

it('records the stored format on a new prefix and starts again on it', async () => {
  const prefix = prefixFor();
  const first = newService({ prefix });
  first.register('f', (dag) => dag.node('a', (n: number) => n + 1));
  await first.startWorker();
  expect(await redis.get(`${prefix}:format`)).toBe(String(STORED_FORMAT_VERSION));
  const second = newService({ prefix });
  second.register('f', (dag) => dag.node('a', (n: number) => n + 1));
  await second.startWorker();
  expect(await second.waitForResult('f', await second.execute('f', 1), { timeoutMs: 5000 })).toBe(
    2,
  );
});

it('refuses to start workers or a server on data of another stored format, naming both', async () => {
  const prefix = prefixFor();
  const other = STORED_FORMAT_VERSION + 1;
  await redis.set(`${prefix}:format`, String(other));
  const service = newService({ prefix });
  service.register('f', (dag) => dag.node('a', (n: number) => n + 1));
  const refusal = await service.startWorker().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(refusal).toBeInstanceOf(DagflowError);
  expect((refusal as DagflowError).code).toBe(ErrorCode.STORED_FORMAT_MISMATCH);
  expect((refusal as DagflowError).message).toContain(`stored format ${other}`);
  expect((refusal as DagflowError).message).toContain(`format ${STORED_FORMAT_VERSION}`);
  await expect(service.startServer()).rejects.toMatchObject({
    code: ErrorCode.STORED_FORMAT_MISMATCH,
  });
  // Nothing was taken: the stored number is the other process's, and no worker announced itself.
  expect(await redis.get(`${prefix}:format`)).toBe(String(other));
  expect(await redis.hlen(`${prefix}:workers:{f}`)).toBe(0);
});
