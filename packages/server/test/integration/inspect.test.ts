import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dag, FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterEach, describe, expect, inject, it } from 'vitest';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** A worker and HTTP server with a flow of a join and a for-each; serves `dashboardDir` when given. */
async function serve(dashboardDir?: string | false): Promise<string> {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, expect.getState().currentTestName ?? ''),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(dashboardDir === undefined ? {} : { dashboardDir }),
  });
  service.register('shapes', (dag) => {
    dag.node('a', (n: number) => n + 1);
    dag.node('b', (n: number) => n * 10);
    dag.node('sum', (parts: { a: number; b: number }) => parts.a + parts.b);
    const body = dag.forEachBranch('each', (n: number) => ({ 'x/1': n, y: n + 1 }));
    body.node('double', (n: number) => n * 2);
    dag.edge('a', 'sum').edge('b', 'sum').edge('sum', 'each');
  });
  await service.start();
  return `http://127.0.0.1:${service.httpPort}`;
}

const nodeUrl = (base: string, id: string, path: string) =>
  `${base}/flow/shapes/requests/${id}/nodes/${encodeURIComponent(path)}`;

describe('node detail', () => {
  it('answers state, input and output of tasks, joins, for-each items and composites', async () => {
    const base = await serve();
    const requestId = await service!.execute('shapes', 4);
    await service!.waitForResult('shapes', requestId, { timeoutMs: 10_000 });

    const join = (await (await fetch(nodeUrl(base, requestId, 'sum'))).json()) as Record<
      string,
      unknown
    >;
    expect(join).toMatchObject({
      path: 'sum',
      state: { status: 'completed', attempts: 1 },
      input: { a: 5, b: 40 },
      output: 45,
    });
    const item = await (await fetch(nodeUrl(base, requestId, 'each[x%2F1]/double'))).json();
    expect(item).toMatchObject({ input: 45, output: 90, state: { status: 'completed' } });
    const each = await (await fetch(nodeUrl(base, requestId, 'each'))).json();
    expect(each).toMatchObject({ input: 45, output: { 'x/1': 90, y: 92 } });
    expect((each as { state: { picked: string[] } }).state.picked.sort()).toEqual(['x/1', 'y']);
  });

  it('says NODE_NOT_FOUND for a path the request does not have', async () => {
    const base = await serve();
    const requestId = await service!.execute('shapes', 1);
    await service!.waitForResult('shapes', requestId, { timeoutMs: 10_000 });
    for (const path of ['nope', 'each[z]/double']) {
      const response = await fetch(nodeUrl(base, requestId, path));
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'NODE_NOT_FOUND' } });
    }
    const unknown = await fetch(nodeUrl(base, 'no-such-request', 'a'));
    expect(await unknown.json()).toMatchObject({ error: { code: 'REQUEST_NOT_FOUND' } });
  });

  it('omits input and output that do not exist yet', async () => {
    service = new FlowService({
      redisUrl: inject('redisUrl'),
      prefix: testPrefix(import.meta.url, 'pending'),
      logLevel: 'error',
    });
    service.register('shapes', (dag: Dag) => {
      dag.node('first', (n: number) => n);
      dag.node('second', (n: number) => n).edge('first', 'second');
    });
    const requestId = await service.execute('shapes', 3); // no worker: nothing runs
    expect(await service.nodeDetail('shapes', requestId, 'first')).toEqual({
      path: 'first',
      state: { status: 'pending', attempts: 0 },
      input: 3,
    });
    expect(await service.nodeDetail('shapes', requestId, 'second')).toEqual({
      path: 'second',
      state: { status: 'pending', attempts: 0 },
    });
  });
});

describe('dashboard files', () => {
  it('serves the dashboard build under /dashboard/ and leads / there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dagflow-dashboard-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>dagflow</title>');
    const base = await serve(dir);
    const page = await fetch(`${base}/dashboard/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>dagflow</title>');
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/dashboard/');
    const missing = await fetch(`${base}/dashboard/nope.js`);
    expect(missing.status).toBe(404);
  });

  it('serves the installed @dagflow/dashboard build with no option', async () => {
    const base = await serve();
    const page = await fetch(`${base}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/dashboard/assets/');
  });

  it('has no dashboard routes with dashboardDir: false', async () => {
    const base = await serve(false);
    const response = await fetch(`${base}/dashboard/`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });
});
