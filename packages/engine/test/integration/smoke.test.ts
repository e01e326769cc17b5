import { FlowService } from '@dagflow/engine';
import { testPrefix, testRedisOptions } from '@dagflow/test-utils';
import { afterEach, expect, it } from 'vitest';

let service: FlowService | undefined;
afterEach(async () => service?.close());

it('runs a single node flow in process', async () => {
  service = new FlowService({
    ...testRedisOptions(),
    prefix: testPrefix(import.meta.url, 'smoke'),
    logLevel: 'warn',
  });
  service.register('myflow', (dag) => dag.node('hello', (input: string) => `you said "${input}"`));
  await service.startWorker();
  const id = await service.execute('myflow', 'hallo');
  expect(await service.waitForResult('myflow', id, { timeoutMs: 5000 })).toBe('you said "hallo"');
});
