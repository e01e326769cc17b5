import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix, waitFor } from '@dagflow/test-utils';
import { afterEach, describe, expect, inject, it } from 'vitest';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A service with test flows, worker and HTTP server on a free port; answers the base URL. */
async function serve(maxBodyBytes?: number): Promise<{ base: string; runs: Map<string, number> }> {
  const runs = new Map<string, number>();
  const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, expect.getState().currentTestName ?? ''),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
  service.register('myflow', (dag) =>
    dag.node('hello', (input: unknown, ctx) => {
      count(ctx.requestId);
      return `you said "${String(input)}"`;
    }),
  );
  service.register('echo', (dag) =>
    dag.node('echo', (input: unknown, ctx) => ({
      input,
      query: ctx.query,
      agent: ctx.headers['x-agent'],
    })),
  );
  service.register('bytes', (dag) => dag.node('same', (input: Buffer) => input));
  service.register('slow', (dag) =>
    dag.node('wait', async (ms: number) => {
      await sleep(ms);
      return ms;
    }),
  );
  service.register('broken', (dag) =>
    dag.node('explode', () => {
      throw new Error('kaboom');
    }),
  );
  await service.start();
  return { base: `http://127.0.0.1:${service.httpPort}`, runs };
}

describe('HTTP API', () => {
  it('executes asynchronously, then answers state and result', async () => {
    const { base } = await serve();
    const posted = await fetch(`${base}/flow/myflow`, {
      method: 'POST',
      body: 'hallo',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(posted.status).toBe(202);
    const { requestId } = (await posted.json()) as { requestId: string };
    expect(posted.headers.get('x-request-id')).toBe(requestId);
    await waitFor(
      async () =>
        (
          (await (await fetch(`${base}/flow/myflow/requests/${requestId}`)).json()) as {
            status: string;
          }
        ).status === 'completed',
    );
    const state = (await (
      await fetch(`${base}/flow/myflow/requests/${requestId}`)
    ).json()) as Record<string, unknown>;
    expect(state).toMatchObject({
      requestId,
      flow: 'myflow',
      status: 'completed',
      nodes: { hello: { status: 'completed', attempts: 1 } },
    });
    const result = await fetch(`${base}/flow/myflow/requests/${requestId}/result`);
    expect(result.status).toBe(200);
    expect(await result.json()).toBe('you said "hallo"');
  });

  it('waits for the result with ?wait and passes JSON, query and headers through', async () => {
    const { base } = await serve();
    const text = await fetch(`${base}/flow/myflow?wait=5`, {
      method: 'POST',
      body: 'hallo',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(text.status).toBe(200);
    expect(await text.json()).toBe('you said "hallo"');
    const json = await fetch(`${base}/flow/echo?wait=5&lang=de`, {
      method: 'POST',
      body: JSON.stringify({ a: [1, 2] }),
      headers: { 'content-type': 'application/json', 'x-agent': 'test' },
    });
    expect(await json.json()).toEqual({
      input: { a: [1, 2] },
      query: { lang: 'de' },
      agent: 'test',
    });
  });

  it('round-trips a binary body to a binary result', async () => {
    const { base } = await serve();
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    const res = await fetch(`${base}/flow/bytes?wait=5`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers 202 when ?wait runs out and 409 for the result of an unfinished request', async () => {
    const { base } = await serve();
    const res = await fetch(`${base}/flow/slow?wait=0.2`, {
      method: 'POST',
      body: '1500',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    const { requestId, status } = (await res.json()) as { requestId: string; status: string };
    expect(status).toBe('running');
    const result = await fetch(`${base}/flow/slow/requests/${requestId}/result`);
    expect(result.status).toBe(409);
    expect(await result.json()).toMatchObject({ error: { code: 'REQUEST_NOT_FINISHED' } });
  });

  it('answers errors with stable codes: 404, 400, 413, 422', async () => {
    const { base } = await serve(100);
    const expectError = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({
        error: { code, message: expect.any(String) as string },
      });
    };
    await expectError(
      await fetch(`${base}/flow/nope`, { method: 'POST', body: 'x' }),
      404,
      'FLOW_NOT_FOUND',
    );
    await expectError(
      await fetch(`${base}/flow/myflow`, {
        method: 'POST',
        body: '{"a":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'INVALID_JSON',
    );
    await expectError(
      await fetch(`${base}/flow/myflow`, { method: 'POST', body: 'x'.repeat(500) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    await expectError(
      await fetch(`${base}/flow/myflow/requests/missing`),
      404,
      'REQUEST_NOT_FOUND',
    );
    await expectError(
      await fetch(`${base}/flow/myflow/requests/missing/result`),
      404,
      'REQUEST_NOT_FOUND',
    );
    await expectError(
      await fetch(`${base}/flow/myflow?wait=abc`, { method: 'POST', body: 'x' }),
      400,
      'INVALID_INPUT',
    );
    await expectError(
      await fetch(`${base}/flow/myflow`, {
        method: 'POST',
        body: 'x',
        headers: { 'x-request-id': 'bad id!' },
      }),
      400,
      'INVALID_REQUEST_ID',
    );
    // The forms of ids dagflow derives itself: a schedule's tick, a parent's child (T3-2).
    for (const forged of ['s~nightly.1796602935196', 'child~AAAAAAAAAAAAAAAAAAAAAAAA']) {
      await expectError(
        await fetch(`${base}/flow/myflow`, {
          method: 'POST',
          body: 'x',
          headers: { 'x-request-id': forged },
        }),
        400,
        'INVALID_REQUEST_ID',
      );
    }
    await expectError(await fetch(`${base}/nowhere`), 404, 'ROUTE_NOT_FOUND');
    const failed = await fetch(`${base}/flow/broken?wait=5`, { method: 'POST', body: 'x' });
    expect(failed.status).toBe(422);
    expect(await failed.json()).toMatchObject({
      error: {
        code: 'REQUEST_FAILED',
        details: { error: { node: 'explode', message: 'kaboom', attempts: 1 } },
      },
    });
  });

  it('runs a request once for the same X-Request-Id', async () => {
    const { base, runs } = await serve();
    const send = () =>
      fetch(`${base}/flow/myflow?wait=5`, {
        method: 'POST',
        body: 'hi',
        headers: { 'x-request-id': 'order-42', 'content-type': 'text/plain' },
      });
    const [a, b] = await Promise.all([send(), send()]);
    const c = await send();
    for (const res of [a, b, c]) {
      expect(res.headers.get('x-request-id')).toBe('order-42');
      expect(await res.json()).toBe('you said "hi"');
    }
    expect(runs.get('order-42')).toBe(1);
    const other = await fetch(`${base}/flow/myflow`, {
      method: 'POST',
      body: 'bye',
      headers: { 'x-request-id': 'order-42', 'content-type': 'text/plain' },
    });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
    expect(runs.get('order-42')).toBe(1);
  });

  it('lists and describes flows, lists requests and reports health', async () => {
    const { base } = await serve();
    const flows = (await (await fetch(`${base}/flows`)).json()) as { flows: { name: string }[] };
    expect(flows.flows.map((f) => f.name)).toEqual(['broken', 'bytes', 'echo', 'myflow', 'slow']);
    expect(flows.flows[0]).toMatchObject({ workers: { '': 1 } });
    const detail = (await (await fetch(`${base}/flows/myflow`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({
      name: 'myflow',
      dag: { roots: ['hello'], terminals: ['hello'], nodes: [{ id: 'hello', kind: 'task' }] },
    });
    expect((await fetch(`${base}/flows/nope`)).status).toBe(404);
    await fetch(`${base}/flow/myflow?wait=5`, { method: 'POST', body: 'a' });
    const list = (await (await fetch(`${base}/flow/myflow/requests?status=completed`)).json()) as {
      requests: unknown[];
    };
    expect(list.requests).toHaveLength(1);
    expect((await fetch(`${base}/flow/myflow/requests?status=bogus`)).status).toBe(400);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('registers a YAML flow definition posted to /flows and rejects an invalid one', async () => {
    const { base } = await serve();
    const yaml =
      'name: echoed\nnodes:\n  - id: call\n    op: flow\n    with:\n      flow: myflow\n';
    const created = await fetch(`${base}/flows`, {
      method: 'POST',
      body: yaml,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'echoed', nodes: 1 });
    const run = await fetch(`${base}/flow/echoed?wait=5`, {
      method: 'POST',
      body: 'hi',
      headers: { 'content-type': 'text/plain' },
    });
    expect(await run.json()).toBe('you said "hi"');
    const invalid = await fetch(`${base}/flows`, {
      method: 'POST',
      body: '{"name":"bad","nodes":[{"id":"x"}]}',
      headers: { 'content-type': 'application/json' },
    });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({
      error: { code: 'DEFINITION_INVALID', details: { nodes: ['nodes[0]'] } },
    });
  });

  it('adds, replaces and removes steps of a running flow over the admin routes', async () => {
    const { base } = await serve();
    const send = (method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    await send('POST', '/flows', {
      name: 'relay',
      nodes: [{ id: 'first', op: 'flow', with: { flow: 'myflow' } }],
    });
    const added = await send('POST', '/admin/flows/relay/steps', {
      id: 'second',
      op: 'flow',
      with: { flow: 'echo' },
      after: ['first'],
    });
    expect(added.status).toBe(200);
    const run = async () =>
      (
        await fetch(`${base}/flow/relay?wait=5`, {
          method: 'POST',
          body: 'x',
          headers: { 'content-type': 'text/plain' },
        })
      ).json();
    expect(await run()).toMatchObject({ input: 'you said "x"' });
    expect(
      (
        await send('PUT', '/admin/flows/relay/steps/second', {
          op: 'flow',
          with: { flow: 'myflow' },
        })
      ).status,
    ).toBe(200);
    expect(await run()).toBe('you said "you said "x""');
    expect((await send('DELETE', '/admin/flows/relay/steps/second')).status).toBe(200);
    expect(await run()).toBe('you said "x"');
    const bad = await send('POST', '/admin/flows/relay/steps', {
      id: 'loop',
      op: 'flow',
      with: { flow: 'myflow' },
      after: ['first'],
      before: ['first'],
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: { code: 'DAG_CYCLE' } });
    expect((await send('DELETE', '/admin/flows/nope/steps/x')).status).toBe(404);
  });

  it('exposes Prometheus metrics that move as requests run', async () => {
    const { base } = await serve();
    const scrape = async () => (await fetch(`${base}/metrics`)).text();
    const count = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    const before = await scrape();
    for (let i = 0; i < 3; i++)
      await fetch(`${base}/flow/myflow?wait=5`, { method: 'POST', body: 'm' });
    await fetch(`${base}/flow/broken?wait=5`, { method: 'POST', body: 'm' });
    const after = await scrape();
    const completed = /dagflow_requests_total\{flow="myflow",status="completed"\} (\d+)/;
    expect(count(after, completed) - count(before, completed)).toBe(3);
    expect(count(after, /dagflow_requests_total\{flow="broken",status="failed"\} (\d+)/)).toBe(1);
    expect(
      count(after, /dagflow_node_duration_seconds_count\{flow="myflow"\} (\d+)/),
    ).toBeGreaterThanOrEqual(3);
    expect(after).toMatch(/dagflow_workers\{flow="myflow",queue="{myflow}"\} 1/);
    expect(after).toMatch(/dagflow_queue_jobs\{flow="myflow",queue="{myflow}",state="waiting"\} 0/);
  });

  it('controls requests: pause, resume, stop, rerun, with their error cases', async () => {
    const { base } = await serve();
    const post = (path: string) => fetch(`${base}${path}`, { method: 'POST' });
    const { requestId } = (await (
      await fetch(`${base}/flow/slow`, {
        method: 'POST',
        body: '800',
        headers: { 'content-type': 'application/json' },
      })
    ).json()) as { requestId: string };
    await waitFor(
      async () =>
        (
          (await (await fetch(`${base}/flow/slow/requests/${requestId}`)).json()) as {
            status: string;
          }
        ).status === 'running',
    );
    const paused = await post(`/flow/slow/requests/${requestId}/pause`);
    expect(await paused.json()).toEqual({ requestId, status: 'paused' });
    expect((await post(`/flow/slow/requests/${requestId}/pause`)).status).toBe(409);
    expect(await (await post(`/flow/slow/requests/${requestId}/resume`)).json()).toEqual({
      requestId,
      status: 'running',
    });
    expect(await (await post(`/flow/slow/requests/${requestId}/stop`)).json()).toEqual({
      requestId,
      status: 'stopped',
    });
    const again = await post(`/flow/slow/requests/${requestId}/stop`);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'INVALID_TRANSITION' } });
    expect(await (await post(`/flow/slow/requests/${requestId}/rerun`)).json()).toEqual({
      requestId,
      status: 'running',
    });
    await waitFor(
      async () =>
        (
          (await (await fetch(`${base}/flow/slow/requests/${requestId}`)).json()) as {
            status: string;
          }
        ).status === 'completed',
      { timeoutMs: 5_000 },
    );
    expect((await post(`/flow/slow/requests/missing/stop`)).status).toBe(404);
  });
});
