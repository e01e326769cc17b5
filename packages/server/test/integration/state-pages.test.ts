import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterEach, expect, inject, it } from 'vitest';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

it('pages through the 30,000 items of a request a thousand at a time, each page a small fraction of the whole state', async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, expect.getState().currentTestName ?? ''),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    workerConcurrency: 50,
    http: httpApi(),
  });
  service.register('wide', (dag) => {
    dag
      .forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i}`, i])),
      )
      .node('item', (i: number) => i);
  });
  await service.start();
  const base = `http://127.0.0.1:${service.httpPort}`;
  const id = await service.execute('wide', 30_000);
  await service.waitForResult('wide', id, { timeoutMs: 60_000 });

  let started = performance.now();
  const whole = await (await fetch(`${base}/flow/wide/requests/${id}`)).text();
  const wholeMs = performance.now() - started;

  const seen = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  let largest = 0;
  let slowest = 0;
  do {
    const query = cursor === undefined ? '' : `&cursor=${cursor}`;
    started = performance.now();
    const answer = await fetch(
      `${base}/flow/wide/requests/${id}?nodes=${encodeURIComponent('each[')}&limit=1000${query}`,
    );
    const text = await answer.text();
    slowest = Math.max(slowest, performance.now() - started);
    largest = Math.max(largest, text.length);
    expect(answer.status).toBe(200);
    const page = JSON.parse(text) as {
      status: string;
      nodes: Record<string, { status: string }>;
      cursor?: string;
    };
    expect(page.status).toBe('completed');
    for (const [path, node] of Object.entries(page.nodes)) {
      expect(path).toMatch(/^each\[i\d+\]\/item$/);
      expect(node.status).toBe('completed');
      seen.add(path);
    }
    cursor = page.cursor;
    pages += 1;
  } while (cursor !== undefined);
  expect(seen.size).toBe(30_000);
  expect(largest).toBeLessThan(whole.length / 10);
  console.log(
    `whole state: ${(whole.length / 1e6).toFixed(1)} MB in ${wholeMs.toFixed(0)} ms; ${pages} pages of at most ${(largest / 1e3).toFixed(0)} kB, the slowest ${slowest.toFixed(0)} ms`,
  );
  const bad = await fetch(`${base}/flow/wide/requests/${id}?nodes=each&cursor=not-a-cursor`);
  expect(bad.status).toBe(400);
}, 120_000);
