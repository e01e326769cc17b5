import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { hasPromtool, promtoolProblems, testPrefix } from '@dagflow/test-utils';
import { afterEach, describe, expect, inject, it } from 'vitest';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** A server and worker with a metrics port, after one request that completed and one that failed. */
async function serveAndRun(): Promise<{ api: string; listener: string }> {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, expect.getState().currentTestName ?? ''),
    port: 0,
    host: '127.0.0.1',
    metricsPort: 0,
    logLevel: 'error',
    http: httpApi(),
  });
  service.register('myflow', (dag) => dag.node('hello', (input: unknown) => String(input)));
  service.register('broken', (dag) =>
    dag.node('explode', () => {
      throw new Error('kaboom');
    }),
  );
  await service.start();
  const base = `http://127.0.0.1:${service.httpPort}`;
  await fetch(`${base}/flow/myflow?wait=5`, { method: 'POST', body: 'm' });
  await fetch(`${base}/flow/broken?wait=5`, { method: 'POST', body: 'm' });
  return {
    api: await (await fetch(`${base}/metrics`)).text(),
    listener: await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text(),
  };
}

describe('metrics of a server process', () => {
  it('serves the same series on the HTTP API and on its metrics port', async () => {
    const { api, listener } = await serveAndRun();
    expect(service?.metricsPort).not.toBe(service?.httpPort);
    for (const text of [api, listener]) {
      expect(text).toMatch(/^dagflow_node_attempts_total\{flow="broken",outcome="failed"\} 1$/m);
      expect(text).toMatch(/^dagflow_node_attempts_total\{flow="myflow",outcome="completed"\} 1$/m);
      expect(text).toMatch(/^dagflow_requests_total\{flow="broken",status="failed"\} 1$/m);
      expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    }
  });

  it.skipIf(!hasPromtool())(
    'passes `promtool check metrics` (skipped only without promtool, outside CI)',
    async () => {
      const { api, listener } = await serveAndRun();
      expect(promtoolProblems(api)).toBe('');
      expect(promtoolProblems(listener)).toBe('');
    },
  );
});
