import { startRedis } from '@dagflow/test-utils';
import { expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('completes every in-flight request when Redis restarts mid-run', async () => {
  const redis = await startRedis({ persistent: true });
  try {
    const service = newService({
      prefix: prefixFor(),
      redisUrl: redis.url,
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
    });
    const runs = new Map<string, number>();
    service.register('steps', (dag) => {
      dag.node('one', async (n: number, ctx) => {
        runs.set(`${ctx.requestId}/one`, (runs.get(`${ctx.requestId}/one`) ?? 0) + 1);
        await sleep(200);
        return n + 1;
      });
      dag.node('two', async (n: number, ctx) => {
        runs.set(`${ctx.requestId}/two`, (runs.get(`${ctx.requestId}/two`) ?? 0) + 1);
        await sleep(200);
        return n * 2;
      });
      dag.edge('one', 'two');
    });
    await service.startWorker();
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => service.execute('steps', i)),
    );
    await sleep(300);
    await redis.stop({ hard: true });
    await sleep(1_000);
    await redis.restart();
    const results = await Promise.all(
      ids.map((id) => service.waitForResult('steps', id, { timeoutMs: 40_000 })),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 2));
    for (const id of ids) {
      expect((await service.state('steps', id)).status).toBe('completed');
    }
    // Completed nodes never ran again; interrupted ones ran at most twice (at least once delivery).
    for (const [key, count] of runs) expect(count, key).toBeLessThanOrEqual(2);
    await service.close();
  } finally {
    await redis.stop();
  }
});
