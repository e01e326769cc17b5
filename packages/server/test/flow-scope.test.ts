import type { Server } from 'node:http';
import type { FlowApi } from '@dagflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowOf } from '../src/routes/access.js';
import { createApp } from '../src/app/app.js';
import { globMatches } from '../src/auth/flow-scope.js';

const SCOPED = 'operator-8c1d4e7a2b9f0356d8e1c4a7';
const ADMIN = 'admin-e07b5a9c3d1f6284b0c7e9a2';
const FLOWS = ['orders-eu', 'orders-us', 'payments'].map((name) => ({ name, version: 'v' }));
const calls: string[] = [];

const service = {
  log: { error: () => undefined, warn: () => undefined },
  flows: () => Promise.resolve(FLOWS),
  listRequests: (name: string) => {
    calls.push(`list ${name}`);
    return Promise.resolve({ requests: [] });
  },
  metrics: () => Promise.resolve(''),
  flowOrigin: () => Promise.resolve('definition'),
  auditLog: { record: () => Promise.resolve(), list: () => Promise.resolve([]) },
} as unknown as FlowApi;

let server: Server;
let base = '';
beforeAll(async () => {
  const tokens = [
    { role: 'admin' as const, token: SCOPED, name: 'orders-bot', flows: 'orders-*' },
    { role: 'admin' as const, token: ADMIN, name: 'ops' },
  ];
  server = createApp(service, { tokens }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function call(path: string, token: string, init: RequestInit = {}) {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('flow globs', () => {
  it.each([
    ['orders-*', 'orders-eu', true],
    ['orders-*', 'orders-', true],
    ['orders-*', 'payments', false],
    ['orders-*', 'xorders-eu', false],
    ['*-eu', 'orders-eu', true],
    ['a.b', 'axb', false],
    ['*', 'anything', true],
  ])('%s matches %s: %s', (glob, flow, matches) => {
    expect(globMatches(glob, flow)).toBe(matches);
  });

  it('finds the flow a route names, decoded, and the routes that may show any flow', () => {
    expect(flowOf('GET', '/flow/orders%2Deu/requests')).toEqual({
      kind: 'flow',
      flow: 'orders-eu',
    });
    expect(flowOf('DELETE', '/admin/flows/payments/steps/x')).toEqual({
      kind: 'flow',
      flow: 'payments',
    });
    expect(flowOf('PUT', '/flows/kyc/schedules/daily')).toEqual({ kind: 'flow', flow: 'kyc' });
    for (const [method, path] of [
      ['GET', '/flows'],
      ['POST', '/flows'],
      ['GET', '/auth/whoami'],
      ['GET', '/healthz'],
    ] as const) {
      expect(flowOf(method, path), path).toEqual({ kind: 'none' });
    }
    for (const path of ['/metrics', '/workers', '/admin/audit', '/admin/other', '/nowhere'])
      expect(flowOf('GET', path), path).toEqual({ kind: 'every-flow' });
  });
});

describe('a token scoped to orders-*', () => {
  it('lists only its flows and says its scope in whoami', async () => {
    const flows = (await call('/flows', SCOPED)).body['flows'] as { name: string }[];
    expect(flows.map((flow) => flow.name)).toEqual(['orders-eu', 'orders-us']);
    expect((await call('/flows', ADMIN)).body['flows']).toHaveLength(3);
    expect((await call('/auth/whoami', SCOPED)).body).toEqual({
      role: 'admin',
      token: 'orders-bot',
      flows: 'orders-*',
    });
  });

  it('reaches its flows and is refused others with 403 FORBIDDEN naming the scope', async () => {
    calls.length = 0;
    expect((await call('/flow/orders-eu/requests', SCOPED)).status).toBe(200);
    const refused = await call('/flow/payments/requests', SCOPED);
    expect(refused).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', details: { scope: 'orders-*', flow: 'payments' } } },
    });
    // Percent-encoding does not slip past the check.
    expect((await call('/flow/%70ayments/requests', SCOPED)).status).toBe(403);
    expect(calls).toEqual(['list orders-eu']);
    const register = await call('/flows', SCOPED, {
      method: 'POST',
      body: JSON.stringify({ name: 'payments', nodes: [] }),
    });
    expect(register).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });

  it('is refused routes that show every flow; an unscoped token is not', async () => {
    for (const path of ['/metrics', '/admin/audit']) {
      expect((await call(path, SCOPED)).status, path).toBe(403);
    }
    expect((await call('/admin/audit', ADMIN)).status).toBe(200);
  });
});
