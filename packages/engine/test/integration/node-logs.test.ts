import { expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

it('keeps what each attempt logged through ctx.log, capped, and answers it in the node detail', async () => {
  const prefix = prefixFor();
  const service = newService({ prefix });
  service.register('logged', (dag) => {
    dag.node(
      'flaky',
      (n: number, ctx) => {
        ctx.log.info('starting', { n, attempt: ctx.attempt, big: 10n });
        if (ctx.attempt === 1) {
          ctx.log.error('giving up', { error: new Error('boom') });
          throw new Error('first attempt fails');
        }
        ctx.log.warn('second time lucky');
        return n + 1;
      },
      { retries: 1 },
    );
    dag.node('chatty', (n: number, ctx) => {
      for (let i = 0; i < 2_000; i++) ctx.log.debug(`line ${i}`, { padding: 'x'.repeat(20) });
      return n;
    });
    dag.edge('flaky', 'chatty');
  });
  await service.startWorker();
  const id = await service.execute('logged', 1);
  expect(await service.waitForResult('logged', id, { timeoutMs: 10_000 })).toBe(2);
  await service.close(); // flushes what is still buffered

  const reader = newService({ prefix });
  const flaky = await reader.nodeDetail('logged', id, 'flaky');
  expect(flaky.logs?.map((log) => log.attempt)).toEqual([1, 2]);
  expect(flaky.logs?.[0]?.lines.map((line) => [line.level, line.message])).toEqual([
    ['info', 'starting'],
    ['error', 'giving up'],
  ]);
  expect(flaky.logs?.[0]?.lines[0]?.fields).toEqual({ n: 1, attempt: 1, big: '10' });
  expect(flaky.logs?.[0]?.lines[1]?.fields).toEqual({
    error: { name: 'Error', message: 'boom' },
  });
  expect(flaky.logs?.[1]?.lines.map((line) => line.message)).toEqual([
    'starting',
    'second time lucky',
  ]);
  expect(flaky.logs?.[1]?.truncated).toBeUndefined();

  // 2,000 lines of ~90 bytes: the first 32 kB are kept, in order, and the cut is marked.
  const chatty = await reader.nodeDetail('logged', id, 'chatty');
  const lines = chatty.logs?.[0]?.lines ?? [];
  expect(chatty.logs?.[0]?.truncated).toBe(true);
  expect(lines.length).toBeGreaterThan(300);
  expect(lines.length).toBeLessThan(400);
  expect(lines.map((line) => line.message)).toEqual(lines.map((_, i) => `line ${i}`));
});
