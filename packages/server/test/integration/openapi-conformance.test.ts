import { FlowService } from '@dagflow/engine';
import { API_ROUTES, httpApi } from '@dagflow/server';
import { testPrefix, waitFor } from '@dagflow/test-utils';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * Response conformance: the main routes driven over HTTP against a real service, every answer
 * (status, content type, JSON body) checked against what the served `GET /openapi.json` documents.
 */
interface Operation {
  readonly responses: Record<
    string,
    { readonly content?: Record<string, { readonly schema: Record<string, unknown> }> }
  >;
}
interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: unknown;
}

let service: FlowService | undefined;
let base = '';
let document: Document;
const ajv = new Ajv2020({ strict: false, allErrors: true });
/** `METHOD /path` of each operation whose answer was checked. */
const checked = new Set<string>();

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'openapi-conformance'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(),
    signingKey: `k1:${'x'.repeat(32)}`,
  });
  service.register('echo', (dag) => dag.node('echo', (input: unknown) => input));
  service.register('pair', (dag) => {
    dag.node('a', (input: number) => input + 1);
    dag.node('b', (input: number) => input * 2, { retries: 1 });
    dag.node('join', (input: unknown) => input);
    dag.edge('a', 'join');
    dag.edge('b', 'join');
  });
  service.register('approval', (dag) => dag.signal('approve'));
  service.register('paid', (dag) =>
    dag.waitFor('paid', { event: 'paid', match: { 'data.id': '$.id' } }),
  );
  service.register('bytes', (dag) => dag.node('copy', (input: Buffer) => Buffer.from(input)));
  service.register('slow', (dag) =>
    dag.node('sleep', async (ms: number, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (ctx.signal.aborted) throw new Error('stopped');
      return ms;
    }),
  );
  service.register('broken', (dag) =>
    dag.node('explode', () => {
      throw new Error('kaboom');
    }),
  );
  await service.start();
  base = `http://127.0.0.1:${service.httpPort}`;
  document = (await (await fetch(`${base}/openapi.json`)).json()) as Document;
});

afterAll(async () => {
  await service?.close();
});

/** Why `body` (with `status` and `type`) does not conform to `operation`, or `undefined` if it does. */
function mismatch(op: string, status: number, type: string, body: unknown): string | undefined {
  const [method = '', path = ''] = op.split(' ');
  const answer = document.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
  if (answer === undefined) return `${op} does not document status ${status}`;
  const schema = answer.content?.[type]?.schema;
  if (schema === undefined) return `${op} ${status} does not document ${type}`;
  if (type !== 'application/json') return undefined;
  const validate = ajv.compile({ ...schema, components: document.components });
  return validate(body) ? undefined : `${op} ${status}: ${ajv.errorsText(validate.errors)}`;
}

/**
 * Calls `op` (`METHOD /path/{param}`) with `params`, checks the answer against the document, and
 * returns its status and body.
 */
async function call(
  op: string,
  params: Record<string, string> = {},
  init: RequestInit & { query?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const [method = '', template = ''] = op.split(' ');
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(params[name]!),
  );
  const response = await fetch(`${base}${path}${init.query ?? ''}`, { ...init, method });
  const type = response.headers.get('content-type')?.split(';')[0] ?? '';
  const bytes = Buffer.from(await response.arrayBuffer());
  const body: unknown = type === 'application/json' ? JSON.parse(bytes.toString('utf8')) : bytes;
  expect(mismatch(op, response.status, type, body)).toBeUndefined();
  checked.add(op);
  return { status: response.status, body };
}

const json = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json' },
});

describe('answers conform to GET /openapi.json', () => {
  it('refuses an answer the document does not describe (so the checks below can fail)', () => {
    const op = 'GET /flow/{name}/requests/{id}';
    expect(mismatch(op, 200, 'application/json', { requestId: 'r', flow: 'f' })).toMatch(/nodes/);
    expect(
      mismatch(op, 200, 'application/json', { error: { code: 'FLOW_NOT_FOUND' } }),
    ).toBeDefined();
    expect(
      mismatch(op, 404, 'application/json', { error: { code: 'DAG_CYCLE', message: '' } }),
    ).toMatch(/allowed values/);
    expect(mismatch(op, 418, 'application/json', {})).toMatch(/status 418/);
    expect(mismatch(op, 200, 'text/html', '')).toMatch(/text\/html/);
  });

  it('executes, reads and lists requests', async () => {
    const started = await call('POST /flow/{name}', { name: 'pair' }, json(3));
    expect(started.status).toBe(202);
    const { requestId } = started.body as { requestId: string };
    const done = await call(
      'POST /flow/{name}',
      { name: 'pair' },
      { ...json(3), query: '?wait=5' },
    );
    expect(done).toEqual({ status: 200, body: { a: 4, b: 6 } });
    const bytes = await call(
      'POST /flow/{name}',
      { name: 'bytes' },
      {
        body: Buffer.from([1, 2, 3]),
        headers: { 'content-type': 'application/octet-stream' },
        query: '?wait=5',
      },
    );
    expect(bytes.status).toBe(200);
    await call('GET /flow/{name}/requests/{id}/result', { name: 'pair', id: requestId });
    const state = await call('GET /flow/{name}/requests/{id}', { name: 'pair', id: requestId });
    expect(state.body).toMatchObject({ status: 'completed' });
    const node = await call('GET /flow/{name}/requests/{id}/nodes/{path}', {
      name: 'pair',
      id: requestId,
      path: 'join',
    });
    expect(node.body).toMatchObject({ output: { a: 4, b: 6 } });
    const page = await call('GET /flow/{name}/requests', { name: 'pair' }, { query: '?limit=1' });
    expect(page.body).toMatchObject({
      requests: [{ status: 'completed' }],
      cursor: expect.any(String) as string,
    });
    const refused = await call(
      'GET /flow/{name}/requests',
      { name: 'pair' },
      { query: '?limit=0' },
    );
    expect(refused).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', details: { issues: [{ at: 'query.limit' }] } } },
    });
    expect(
      (await call('GET /flow/{name}/requests', { name: 'pair' }, { query: '?status=x' })).status,
    ).toBe(400);
  });

  it('answers errors as documented', async () => {
    expect((await call('POST /flow/{name}', { name: 'nope' }, json(1))).status).toBe(404);
    expect((await call('POST /flow/{name}', { name: 'echo' }, { query: '?wait=abc' })).status).toBe(
      400,
    );
    const failed = await call('POST /flow/{name}', { name: 'broken' }, { query: '?wait=5' });
    expect(failed.status).toBe(422);
    const slow = await call(
      'POST /flow/{name}',
      { name: 'slow' },
      { ...json(2_000), query: '?wait=0.1' },
    );
    expect(slow).toMatchObject({ status: 202, body: { status: 'running' } });
    const { requestId } = slow.body as { requestId: string };
    const unfinished = await call('GET /flow/{name}/requests/{id}/result', {
      name: 'slow',
      id: requestId,
    });
    expect(unfinished.status).toBe(409);
    expect(
      (await call('GET /flow/{name}/requests/{id}', { name: 'slow', id: 'missing' })).status,
    ).toBe(404);
    expect((await call('GET /flows/{name}', { name: 'nope' })).status).toBe(404);
    await call('POST /flow/{name}/requests/{id}/stop', { name: 'slow', id: requestId });
  });

  it('controls requests', async () => {
    const started = await call('POST /flow/{name}', { name: 'slow' }, json(1_500));
    const id = (started.body as { requestId: string }).requestId;
    expect((await call('POST /flow/{name}/requests/{id}/pause', { name: 'slow', id })).status).toBe(
      200,
    );
    expect(
      (await call('POST /flow/{name}/requests/{id}/resume', { name: 'slow', id })).status,
    ).toBe(200);
    expect((await call('POST /flow/{name}/requests/{id}/stop', { name: 'slow', id })).status).toBe(
      200,
    );
    const rerun = await call(
      'POST /flow/{name}/requests/{id}/rerun',
      { name: 'slow', id },
      json(1),
    );
    expect(rerun.body).toMatchObject({ requestId: id });
    const twice = await call('POST /flow/{name}/requests/{id}/resume', { name: 'slow', id });
    expect(twice.status).toBe(409);
  });

  it('runs bulk actions and reruns from a node', async () => {
    const headers = { 'content-type': 'application/json', 'x-request-id': 'rerun-from-1' };
    await call('POST /flow/{name}', { name: 'pair' }, { body: '1', headers, query: '?wait=5' });
    const from = await call(
      'POST /flow/{name}/requests/{id}/rerun',
      { name: 'pair', id: 'rerun-from-1' },
      json({ from: 'b', input: 5 }),
    );
    expect(from.status).toBe(200);
    // The rerun's result, not the first run's: a wait begun within a second of the waited execute
    // shared its listening, which kept the first run's end announcement (read { a: 2, b: 2 }).
    expect(await service!.waitForResult('pair', 'rerun-from-1')).toEqual({ a: 2, b: 10 });
    const unknownNode = await call(
      'POST /flow/{name}/requests/{id}/rerun',
      { name: 'pair', id: 'rerun-from-1' },
      { ...json(1), query: '?from=nope' },
    );
    expect(unknownNode.body).toMatchObject({ error: { code: 'UNKNOWN_NODE' } });
    const dry = await call(
      'POST /flow/{name}/requests/bulk',
      { name: 'pair' },
      json({ action: 'rerun', filter: { status: 'failed' }, dryRun: true }),
    );
    expect(dry.body).toEqual({ dryRun: true, matched: 0 });
    const started = await call(
      'POST /flow/{name}/requests/bulk',
      { name: 'pair' },
      json({ action: 'stop', filter: { status: 'running' } }),
    );
    expect(started.status).toBe(202);
    const { id } = started.body as { id: string };
    await waitFor(async () => (await service!.bulkProgress('pair', id)).status === 'completed');
    const progress = await call('GET /flow/{name}/requests/bulk/{bulkId}', {
      name: 'pair',
      bulkId: id,
    });
    expect(progress.body).toMatchObject({ id, action: 'stop', status: 'completed' });
    const missing = await call('GET /flow/{name}/requests/bulk/{bulkId}', {
      name: 'pair',
      bulkId: 'b0',
    });
    expect(missing.status).toBe(404);
  });

  it('describes flows and the server', async () => {
    expect((await call('GET /flows')).body).toMatchObject({
      flows: expect.any(Array) as unknown[],
    });
    expect((await call('GET /flows/{name}', { name: 'pair' })).body).toMatchObject({
      name: 'pair',
    });
    expect((await call('GET /auth/whoami')).body).toEqual({ role: 'admin', token: 'anonymous' });
    expect((await call('GET /healthz')).body).toEqual({ status: 'ok' });
    expect((await call('GET /metrics')).status).toBe(200);
    expect((await call('GET /openapi.json')).body).toMatchObject({ openapi: '3.1.0' });
  });

  it('lists versions and answers migrations', async () => {
    const versions = await call('GET /flows/{name}/versions', { name: 'pair' });
    expect(versions.status).toBe(200);
    expect((await call('GET /flows/{name}/versions', { name: 'nope' })).status).toBe(404);
    const [{ version = '' } = {}] = (versions.body as { versions: { version: string }[] }).versions;
    const shape = await call('GET /flows/{name}/versions/{version}', { name: 'pair', version });
    expect(shape.body).toMatchObject({ roots: ['a', 'b'], terminals: ['join'] });
    const unknown = { name: 'pair', version: '000000000000' };
    expect((await call('GET /flows/{name}/versions/{version}', unknown)).status).toBe(404);
    const bad = { name: 'pair', version: 'v1' };
    expect((await call('GET /flows/{name}/versions/{version}', bad)).status).toBe(400);
    const headers = { 'content-type': 'application/json', 'x-request-id': 'migrate-1' };
    await call('POST /flow/{name}', { name: 'echo' }, { body: '1', headers, query: '?wait=5' });
    // A completed request is never migrated (409).
    const single = await call('POST /flow/{name}/requests/{id}/migrate', {
      name: 'echo',
      id: 'migrate-1',
    });
    expect(single.status).toBe(409);
    const bulk = await call(
      'POST /flow/{name}/requests/migrate',
      { name: 'echo' },
      { query: '?from=000000000000' },
    );
    expect(bulk.body).toMatchObject({ from: '000000000000', migrated: 0 });
    const malformed = await call(
      'POST /flow/{name}/requests/migrate',
      { name: 'echo' },
      { query: '?from=v1' },
    );
    expect(malformed.status).toBe(400);
  });

  it('changes the registry and reads the audit log', async () => {
    const definition = {
      name: 'relay',
      nodes: [{ id: 'first', op: 'flow', with: { flow: 'echo' } }],
    };
    expect((await call('POST /flows', {}, json(definition))).status).toBe(201);
    expect(
      (await call('POST /flows', {}, json({ name: 'bad', nodes: [{ id: 'x' }] }))).status,
    ).toBe(422);
    const step = { id: 'second', op: 'flow', with: { flow: 'echo' }, after: ['first'] };
    const flow = { name: 'relay' };
    expect((await call('POST /admin/flows/{name}/steps', flow, json(step))).status).toBe(200);
    expect((await call('POST /admin/flows/{name}/steps', flow, json({ id: 'x' }))).status).toBe(
      400,
    );
    const replaced = await call(
      'PUT /admin/flows/{name}/steps/{id}',
      { ...flow, id: 'second' },
      json(step),
    );
    expect(replaced.status).toBe(200);
    const removed = await call('DELETE /admin/flows/{name}/steps/{id}', { ...flow, id: 'second' });
    expect(removed.status).toBe(200);
    const owned = await call('DELETE /admin/flows/{name}/steps/{id}', { name: 'echo', id: 'echo' });
    expect(owned.status).toBe(409);
    const audit = await call('GET /admin/audit', {}, { query: '?limit=2' });
    expect((audit.body as { entries: unknown[] }).entries).toHaveLength(2);
    expect((await call('GET /admin/audit', {}, { query: '?limit=0' })).status).toBe(400);
  });

  it('streams live updates and lists the worker processes', async () => {
    const headers = { 'content-type': 'application/json', 'x-request-id': 'live-1' };
    await call('POST /flow/{name}', { name: 'echo' }, { body: '1', headers, query: '?wait=5' });
    // The stream of an ended request answers its state and `end`, then closes.
    const events = await call('GET /flow/{name}/requests/{id}/events', {
      name: 'echo',
      id: 'live-1',
    });
    expect(events.status).toBe(200);
    expect(String(events.body)).toMatch(/^event: state\ndata: \{.*"status":"completed"/);
    expect(String(events.body)).toContain('event: end\ndata: {"status":"completed"}');
    // A request's chunk stream after its end: what is left (nothing here), then `end`.
    const chunks = await call('GET /flow/{name}/requests/{id}/stream', {
      name: 'echo',
      id: 'live-1',
    });
    expect(chunks.status).toBe(200);
    expect(String(chunks.body)).toBe('event: end\ndata: {"status":"completed"}\n\n');
    const unknown = { name: 'echo', id: 'no-such-request' };
    expect((await call('GET /flow/{name}/requests/{id}/stream', unknown)).status).toBe(404);
    const streamed = await call(
      'POST /flow/{name}',
      { name: 'echo' },
      { ...json(7), query: '?stream=1' },
    );
    expect(String(streamed.body)).toMatch(/^event: request\n/);
    expect(String(streamed.body)).toContain('event: end\ndata: {"status":"completed","result":7}');
    // A flow's stream never ends by itself: its error answer is checked here.
    expect((await call('GET /flow/{name}/events', { name: 'nope' })).status).toBe(404);
    // Signals: one per signal node (202), none for a node that is not one (404).
    const approval = { 'x-request-id': 'approval-1' };
    await call('POST /flow/{name}', { name: 'approval' }, { headers: approval });
    const signalled = await call(
      'POST /flow/{name}/requests/{id}/signals/{signal}',
      { name: 'approval', id: 'approval-1', signal: 'approve' },
      json({ by: 'ana' }),
    );
    expect(signalled).toEqual({
      status: 202,
      body: { requestId: 'approval-1', signal: 'approve' },
    });
    const notASignal = await call('POST /flow/{name}/requests/{id}/signals/{signal}', {
      name: 'echo',
      id: 'live-1',
      signal: 'echo',
    });
    expect(notASignal.status).toBe(404);
    // Signal URLs: made (200), used once (202), then 409; a forged one 401.
    await call('POST /flow/{name}', { name: 'approval' }, { headers: { 'x-request-id': 'url-1' } });
    const made = await call(
      'POST /flow/{name}/requests/{id}/signals/{signal}/url',
      { name: 'approval', id: 'url-1', signal: 'approve' },
      { query: '?expiresInMs=60000' },
    );
    const { url } = made.body as { url: string };
    const token = url.slice(url.lastIndexOf('/') + 1);
    const byUrl = await call('POST /signals/{token}', { token }, json('yes'));
    expect(byUrl).toEqual({ status: 202, body: { requestId: 'url-1', signal: 'approve' } });
    expect((await call('POST /signals/{token}', { token }, json('again'))).status).toBe(409);
    expect((await call('POST /signals/{token}', { token: 'forged.token' })).status).toBe(401);
    // Events: delivered to the waiting step (202 with the count).
    await call(
      'POST /flow/{name}',
      { name: 'paid' },
      { ...json({ id: 'p' }), headers: { ...json(0).headers, 'x-request-id': 'paid-1' } },
    );
    await waitFor(
      async () => (await service?.state('paid', 'paid-1'))?.nodes['paid']?.status === 'waiting',
    );
    const emitted = await call('POST /events/{event}', { event: 'paid' }, json({ id: 'p' }));
    expect(emitted).toEqual({ status: 202, body: { event: 'paid', delivered: 1 } });
    expect((await call('POST /events/{event}', { event: 'bad{name}' })).status).toBe(400);
    const workers = (await call('GET /workers')).body as { workers: { pid: number }[] };
    expect(workers.workers.map((worker) => worker.pid)).toContain(process.pid);
  });

  it('creates, lists and removes schedules', async () => {
    const at = { name: 'echo', id: 'hourly' };
    const put = await call('PUT /flows/{name}/schedules/{id}', at, json({ everyMs: 3_600_000 }));
    expect(put.body).toMatchObject({ id: 'hourly', everyMs: 3_600_000, input: null });
    expect((await call('GET /flows/{name}/schedules', { name: 'echo' })).body).toMatchObject({
      schedules: [{ id: 'hourly' }],
    });
    const bad = await call('PUT /flows/{name}/schedules/{id}', at, json({ cron: 'never' }));
    expect(bad.status).toBe(400);
    expect((await call('DELETE /flows/{name}/schedules/{id}', at)).body).toEqual({
      id: 'hourly',
      removed: true,
    });
    expect((await call('DELETE /flows/{name}/schedules/{id}', at)).status).toBe(404);
  });

  it('checked an answer of every route', () => {
    const routes = API_ROUTES.map(
      (route) => `${route.method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`,
    );
    expect([...checked].sort()).toEqual(routes.sort());
  });
});
