import { freePort, hasPromtool, promtoolProblems } from '@dagflow/test-utils';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor, spawnWorker } from './helpers.js';

/** The value of the sample `line` (name and labels, as rendered) in `text`, or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

/** Runs three diamond requests (4 nodes each) on a worker-only process with a metrics port. */
async function diamondsOnWorker(): Promise<{ scrape: () => Promise<Response>; local: string }> {
  const prefix = prefixFor();
  const port = await freePort();
  await spawnWorker(prefix, { METRICS_PORT: String(port) });
  // This process only executes and waits: every node runs in the worker.
  const client = newService({ prefix });
  const ids = await Promise.all([1, 2, 3].map((n) => client.execute('diamond', n)));
  for (const id of ids) await client.waitForResult('diamond', id, { timeoutMs: 15_000 });
  return { scrape: () => fetch(`http://127.0.0.1:${port}/metrics`), local: await client.metrics() };
}

describe('metrics of a worker-only process (METRICS_PORT)', () => {
  it('shows the node counts and durations of the nodes it ran for requests executed elsewhere', async () => {
    const { scrape, local } = await diamondsOnWorker();
    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(sample(text, 'dagflow_node_attempts_total{flow="diamond",outcome="completed"}')).toBe(
      12,
    );
    expect(sample(text, 'dagflow_node_duration_seconds_count{flow="diamond"}')).toBe(12);
    expect(sample(text, 'dagflow_node_duration_seconds_bucket{le="+Inf",flow="diamond"}')).toBe(12);
    expect(sample(text, 'dagflow_requests_total{flow="diamond",status="completed"}')).toBe(3);
    expect(sample(text, 'dagflow_workers{flow="diamond",queue="{diamond}"}')).toBe(1);
    expect(
      sample(text, 'dagflow_queue_jobs{flow="diamond",queue="{diamond}",state="failed"}'),
    ).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    // The executing process ran no node: its own counters stay empty.
    expect(local).not.toMatch(/dagflow_node_attempts_total\{/);
    expect(sample(local, 'dagflow_workers{flow="diamond",queue="{diamond}"}')).toBe(1);
  });

  it.skipIf(!hasPromtool())(
    'passes `promtool check metrics` on the worker and on the executing process (skipped only without promtool, outside CI)',
    async () => {
      const { scrape, local } = await diamondsOnWorker();
      expect(promtoolProblems(await (await scrape()).text())).toBe('');
      expect(promtoolProblems(local)).toBe('');
      // The lint can fail: a gauge named like a counter is refused.
      expect(promtoolProblems('# TYPE x_total gauge\nx_total 1\n')).toMatch(/_total/);
    },
  );

  it('answers 404 beside /metrics and opens no listener without a port', async () => {
    const prefix = prefixFor();
    const port = await freePort();
    await spawnWorker(prefix, { METRICS_PORT: String(port) });
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    const service = newService({ prefix });
    await service.startWorker();
    expect(service.metricsPort).toBeUndefined();
  });

  it('refuses to start on a metrics port already taken, with INVALID_CONFIG', async () => {
    const prefix = prefixFor();
    const first = newService({ prefix, metricsPort: 0 });
    await first.startWorker();
    const second = newService({ prefix, metricsPort: first.metricsPort ?? -1 });
    await expect(second.startWorker()).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining(`127.0.0.1:${first.metricsPort}`) as unknown,
    });
    expect(second.metricsPort).toBeUndefined();
  });
});
