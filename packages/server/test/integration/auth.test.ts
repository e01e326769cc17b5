import { mkdtemp, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowService } from '@dagflow/engine';
import { type ApiToken, type Role, httpApi } from '@dagflow/server';
import type { AuditLogResponse } from '@dagflow/server/contract';
import { testPrefix, waitFor } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const TOKENS: Record<Role, string> = {
  viewer: 'viewer-3f9a1c7e5b2d08a4c6e1f390',
  operator: 'operator-8c1d4e7a2b9f0356d8e1c4a7',
  admin: 'admin-e07b5a9c3d1f6284b0c7e9a2',
};
const tokens: ApiToken[] = Object.entries(TOKENS).map(([role, token]) => ({
  role: role as Role,
  token,
}));
const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

const services: FlowService[] = [];
let base = '';
let requestId = '';

/** A service with two code-defined flows and the HTTP API with `options`; not started. */
function serve(options: Parameters<typeof httpApi>[0], prefix: string): FlowService {
  const service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    closeTimeoutMs: 2_000,
    http: httpApi(options),
  });
  services.push(service);
  service.register('other', (dag) => dag.node('step', () => 'other'));
  service.register('myflow', (dag) =>
    dag.node('hello', (input: unknown) => `you said "${String(input)}"`),
  );
  return service;
}

const send = (
  path: string,
  init: {
    method?: string;
    token?: string;
    json?: unknown;
    headers?: Record<string, string>;
    body?: string;
  } = {},
) =>
  fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    ...(init.body === undefined ? {} : { body: init.body }),
  });

const codeOf = async (response: Response) =>
  ((await response.json()) as { error?: { code: string } }).error?.code;

beforeAll(async () => {
  const dashboardDir = await mkdtemp(join(tmpdir(), 'dagflow-dashboard-'));
  await writeFile(join(dashboardDir, 'index.html'), '<!doctype html><title>dashboard</title>');
  // Every row tries an unknown token: more than the default throttle lets through.
  const authFailures = { max: 1_000 };
  const service = serve(
    { tokens, dashboardDir, authFailures },
    testPrefix(import.meta.url, 'auth'),
  );
  await service.start();
  base = `http://127.0.0.1:${service.httpPort}`;
  requestId = await service.execute('myflow', 'hi');
  await service.waitForResult('myflow', requestId, { timeoutMs: 10_000 });
  service.registerDefinition({
    name: 'declared',
    nodes: [{ id: 'first', op: 'flow', with: { flow: 'myflow' } }],
  });
});

afterAll(async () => {
  for (const service of services) await service.close();
});

/** A route, the least role it needs, and how it answers that role when all goes well. */
interface Row {
  readonly method: string;
  /** `:id` stands for a completed request of myflow. */
  readonly path: string;
  readonly needs: Role | 'open';
  readonly ok: number;
  readonly json?: unknown;
  readonly body?: string;
  /**
   * No route answers it: a known caller of any role gets this answer (404 or 405, not 403); an
   * unauthenticated one still gets 401 and learns nothing of the routes.
   */
  readonly unrouted?: { readonly status: 404 | 405; readonly code: string };
}

const request = () => `/flow/myflow/requests/${requestId}`;
const ROUTES: readonly Row[] = [
  { method: 'GET', path: '/healthz', needs: 'open', ok: 200 },
  { method: 'GET', path: '/dashboard/', needs: 'open', ok: 200 },
  { method: 'GET', path: '/auth/whoami', needs: 'viewer', ok: 200 },
  { method: 'GET', path: '/flows', needs: 'viewer', ok: 200 },
  { method: 'GET', path: '/flows/myflow', needs: 'viewer', ok: 200 },
  { method: 'GET', path: '/flow/myflow/requests', needs: 'viewer', ok: 200 },
  { method: 'GET', path: '/flow/myflow/requests/:id', needs: 'viewer', ok: 200 },
  { method: 'GET', path: '/flow/myflow/requests/:id/nodes/hello', needs: 'viewer', ok: 200 },
  { method: 'GET', path: '/flow/myflow/requests/:id/result', needs: 'viewer', ok: 200 },
  { method: 'GET', path: '/metrics', needs: 'viewer', ok: 200 },
  { method: 'POST', path: '/flow/myflow', needs: 'operator', ok: 202, body: 'x' },
  // The request is completed: each command answers its normal 409, a rerun of a completed one too.
  { method: 'POST', path: '/flow/myflow/requests/:id/pause', needs: 'operator', ok: 409 },
  { method: 'POST', path: '/flow/myflow/requests/:id/resume', needs: 'operator', ok: 409 },
  { method: 'POST', path: '/flow/myflow/requests/:id/stop', needs: 'operator', ok: 409 },
  { method: 'POST', path: '/flow/myflow/requests/:id/rerun', needs: 'operator', ok: 409 },
  // No such route yet: past the role check it is the router's 404.
  { method: 'POST', path: '/flow/myflow/requests/:id/signals/go', needs: 'operator', ok: 404 },
  {
    method: 'POST',
    path: '/flows',
    needs: 'admin',
    ok: 201,
    json: { name: 'posted', nodes: [{ id: 'only', op: 'flow', with: { flow: 'myflow' } }] },
  },
  {
    method: 'POST',
    path: '/admin/flows/declared/steps',
    needs: 'admin',
    ok: 200,
    json: { id: 'second', op: 'flow', with: { flow: 'myflow' }, after: ['first'] },
  },
  {
    method: 'PUT',
    path: '/admin/flows/declared/steps/second',
    needs: 'admin',
    ok: 200,
    json: { op: 'flow', with: { flow: 'myflow' } },
  },
  { method: 'DELETE', path: '/admin/flows/declared/steps/second', needs: 'admin', ok: 200 },
  { method: 'GET', path: '/admin/audit', needs: 'admin', ok: 200 },
  {
    method: 'GET',
    path: '/nowhere',
    needs: 'admin',
    ok: 404,
    unrouted: { status: 404, code: 'ROUTE_NOT_FOUND' },
  },
  {
    method: 'DELETE',
    path: '/flows',
    needs: 'admin',
    ok: 405,
    unrouted: { status: 405, code: 'METHOD_NOT_ALLOWED' },
  },
  {
    method: 'POST',
    path: '/admin/nothing-here',
    needs: 'admin',
    ok: 404,
    json: {},
    unrouted: { status: 404, code: 'ROUTE_NOT_FOUND' },
  },
];

describe('tokens and roles', () => {
  it.each(ROUTES)('$method $path needs $needs', async (row) => {
    const call = (token?: string) =>
      send(row.path.replace(':id', requestId), {
        method: row.method,
        ...(token === undefined ? {} : { token }),
        ...(row.json === undefined ? {} : { json: row.json }),
        ...(row.body === undefined ? {} : { body: row.body }),
      });
    if (row.needs === 'open') {
      expect((await call()).status).toBe(row.ok);
      return;
    }
    const anonymous = await call();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="dagflow"');
    expect(await codeOf(anonymous)).toBe('UNAUTHENTICATED');
    const unknown = await call('not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('invalid_token');
    const allowed = ROLES.slice(ROLES.indexOf(row.needs));
    for (const role of ROLES.filter((r) => !allowed.includes(r))) {
      const denied = await call(TOKENS[role]);
      if (row.unrouted !== undefined) {
        expect(denied.status, role).toBe(row.unrouted.status);
        expect(await codeOf(denied)).toBe(row.unrouted.code);
        continue;
      }
      expect(denied.status, role).toBe(403);
      expect(await denied.json()).toMatchObject({
        error: { code: 'FORBIDDEN', details: { role, needs: row.needs } },
      });
    }
    // Registry changes run once, as admin; the other routes for every role allowed.
    for (const role of row.needs === 'admin' ? (['admin'] as const) : allowed) {
      expect((await call(TOKENS[role])).status, role).toBe(row.ok);
    }
  });

  it('answers whoami with the role and the token name, never the token', async () => {
    const answer = await (await send('/auth/whoami', { token: TOKENS.operator })).json();
    expect(answer).toEqual({
      role: 'operator',
      token: expect.stringMatching(/^operator#[0-9a-f]{8}$/),
    });
    expect(JSON.stringify(answer)).not.toContain(TOKENS.operator);
  });

  it('checks the route as express routes it: case and trailing slash do not slip past', async () => {
    expect(
      (await send('/FLOWS/', { method: 'POST', token: TOKENS.operator, json: {} })).status,
    ).toBe(403);
    expect(
      (await send('/Flow/myflow/', { method: 'POST', token: TOKENS.viewer, body: 'x' })).status,
    ).toBe(403);
  });
});

describe('flows defined in code', () => {
  it('refuses to replace or change one over HTTP without force, and audits forced changes', async () => {
    const takeover = await send('/flows', {
      method: 'POST',
      token: TOKENS.admin,
      json: {
        name: 'myflow',
        nodes: [{ id: 'evil', op: 'http', with: { url: 'http://127.0.0.1:1/' } }],
      },
    });
    expect(takeover.status).toBe(409);
    expect(await takeover.json()).toMatchObject({
      error: { code: 'FLOW_OWNED_BY_CODE', details: { flow: 'myflow' } },
    });
    const step = { op: 'flow', with: { flow: 'declared' } };
    const replaced = await send('/admin/flows/myflow/steps/hello', {
      method: 'PUT',
      token: TOKENS.admin,
      json: step,
    });
    expect(replaced.status).toBe(409);
    expect(
      (await send('/admin/flows/myflow/steps/hello', { method: 'DELETE', token: TOKENS.admin }))
        .status,
    ).toBe(409);
    expect(
      (
        await send('/admin/flows/myflow/steps', {
          method: 'POST',
          token: TOKENS.admin,
          json: { id: 'n', ...step, after: ['hello'] },
        })
      ).status,
    ).toBe(409);

    const forced = await send('/admin/flows/other/steps?force=true', {
      method: 'POST',
      token: TOKENS.admin,
      json: { id: 'after-step', op: 'flow', with: { flow: 'myflow' }, after: ['step'] },
    });
    expect(forced.status).toBe(200);
    const audit = (await (await send('/admin/audit?limit=2', { token: TOKENS.admin })).json()) as {
      entries: AuditLogResponse['entries'];
    };
    expect(audit.entries).toHaveLength(2);
    expect(audit.entries[0]).toMatchObject({
      who: { role: 'admin', token: expect.stringMatching(/^admin#[0-9a-f]{8}$/) },
      action: 'add-step',
      flow: 'other',
      target: { node: 'after-step' },
      outcome: 'ok',
      forced: true,
    });
    // Refused changes are audited too, with the code they were answered with.
    expect(audit.entries[1]).toMatchObject({
      action: 'add-step',
      flow: 'myflow',
      target: { node: 'n' },
      outcome: 'FLOW_OWNED_BY_CODE',
      forced: false,
    });
    expect(audit.entries[0]!.at).toBeGreaterThanOrEqual(audit.entries[1]!.at);
    const all = JSON.stringify(await (await send('/admin/audit', { token: TOKENS.admin })).json());
    for (const token of Object.values(TOKENS)) expect(all).not.toContain(token);
    expect((await send('/admin/audit?limit=0', { token: TOKENS.admin })).status).toBe(400);
  });

  it('refuses to take over a flow another process registered in code', async () => {
    const prefix = testPrefix(import.meta.url, 'takeover');
    const owner = new FlowService({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' });
    services.push(owner);
    owner.register('owned', (dag) => dag.node('step', () => 'mine'));
    await owner.startWorker();
    const gateway = serve({ tokens }, prefix);
    await gateway.startServer();
    const at = `http://127.0.0.1:${gateway.httpPort}`;
    const definition = {
      name: 'owned',
      nodes: [{ id: 'evil', op: 'flow', with: { flow: 'myflow' } }],
    };
    const post = (query: string) =>
      fetch(`${at}/flows${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(definition),
      });
    await waitFor(async () => (await gateway.flowOrigin('owned')) === 'code');
    const refused = await post('');
    expect(refused.status).toBe(409);
    expect(await codeOf(refused)).toBe('FLOW_OWNED_BY_CODE');
    expect((await post('?force=true')).status).toBe(201);
  });
});

describe('cross-site requests', () => {
  it('takes only JSON (or YAML for POST /flows) on state-changing routes; execute takes any body', async () => {
    const yaml =
      'name: yamled\nnodes:\n  - id: call\n    op: flow\n    with:\n      flow: myflow\n';
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const refused = await send('/flows', {
        method: 'POST',
        token: TOKENS.admin,
        body: yaml,
        headers: { 'content-type': type },
      });
      expect(refused.status, type).toBe(415);
      expect(await codeOf(refused)).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const yamlOk = await send('/flows', {
      method: 'POST',
      token: TOKENS.admin,
      body: yaml,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(yamlOk.status).toBe(201);
    const rerun = await send(`${request()}/rerun`, {
      method: 'POST',
      token: TOKENS.operator,
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(rerun.status).toBe(415);
    const execute = await send('/flow/myflow', {
      method: 'POST',
      token: TOKENS.operator,
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(execute.status).toBe(202);
  });

  it('refuses state changes a browser marks cross-site', async () => {
    const refused = await send(`${request()}/stop`, {
      method: 'POST',
      token: TOKENS.operator,
      headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    });
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe('FORBIDDEN');
    const sameOrigin = await send(`${request()}/stop`, {
      method: 'POST',
      token: TOKENS.operator,
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status).toBe(409);
  });

  it('sends no CORS headers by default', async () => {
    const origin = 'https://ops.example.com';
    const read = await send('/flows', { token: TOKENS.viewer, headers: { origin } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await send('/flows', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('answers preflights and reads for listed origins only', async () => {
    const service = serve(
      { tokens, corsOrigins: ['https://ops.example.com'] },
      testPrefix(import.meta.url, 'cors'),
    );
    await service.startServer();
    const at = `http://127.0.0.1:${service.httpPort}`;
    const preflight = (origin: string) =>
      fetch(`${at}/flow/myflow/requests/x/pause`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const listed = await preflight('https://ops.example.com');
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(listed.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(listed.headers.get('access-control-allow-methods')).toContain('POST');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const read = await fetch(`${at}/flows`, {
      headers: { origin: 'https://ops.example.com', authorization: `Bearer ${TOKENS.viewer}` },
    });
    expect(read.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(read.headers.get('vary')).toContain('Origin');
  });
});

describe('protected mode', () => {
  it('refuses to serve on 0.0.0.0 without tokens', async () => {
    const open = new FlowService({
      redisUrl: inject('redisUrl'),
      prefix: testPrefix(import.meta.url, 'open-public'),
      port: 0,
      host: '0.0.0.0',
      logLevel: 'silent',
      http: httpApi({ tokens: [], auth: 'on' }),
    });
    services.push(open);
    await expect(open.startServer()).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      details: { host: '0.0.0.0' },
    });
  });

  it('binds loopback only by default without tokens, and then everyone is admin', async () => {
    const service = new FlowService({
      redisUrl: inject('redisUrl'),
      prefix: testPrefix(import.meta.url, 'loopback'),
      port: 0,
      logLevel: 'silent',
      http: httpApi({ tokens: [], auth: 'on' }),
    });
    services.push(service);
    await service.startServer();
    const port = service.httpPort ?? 0;
    expect(await (await fetch(`http://127.0.0.1:${port}/auth/whoami`)).json()).toEqual({
      role: 'admin',
      token: 'anonymous',
    });
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
    if (external !== undefined) {
      await expect(fetch(`http://${external}:${port}/healthz`)).rejects.toThrow();
    }
  });

  it('starts on 0.0.0.0 without tokens when auth is off', async () => {
    const service = new FlowService({
      redisUrl: inject('redisUrl'),
      prefix: testPrefix(import.meta.url, 'auth-off'),
      port: 0,
      host: '0.0.0.0',
      logLevel: 'silent',
      http: httpApi({ tokens, auth: 'off' }),
    });
    services.push(service);
    await service.startServer();
    const whoami = await fetch(`http://127.0.0.1:${service.httpPort}/auth/whoami`);
    expect(await whoami.json()).toEqual({ role: 'admin', token: 'anonymous' });
  });
});
