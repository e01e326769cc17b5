import type { Server } from 'node:http';
import type { AuditEntry, FlowApi, FlowVersionInfo, MigrationResult } from '@dagflow/engine';
import { type DagDescription, DagflowError, ErrorCode } from '@dagflow/flow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app/app.js';

/**
 * The deploy routes over a stand-in service (no Redis): roles, validation of a version (`?from=`, in
 * the path), route order, what reaches the service, the audit entries, and how a refused migration
 * answers.
 */
const V1 = 'aaaaaaaaaaaa';
const V2 = 'bbbbbbbbbbbb';
const VERSION: FlowVersionInfo = {
  version: V1,
  current: false,
  revision: 1,
  publishedAt: 1,
  requests: { pending: 0, running: 2, paused: 1 },
  nodeWorkers: { a: 1, b: 0 },
  unavailable: ['b'],
  drained: false,
};
const SHAPE: DagDescription = {
  nodes: [
    { id: 'a', kind: 'task', parents: [], aggregator: false },
    { id: 'b', kind: 'task', parents: ['a'], aggregator: false },
  ],
  edges: [{ from: 'a', to: 'b' }],
  roots: ['a'],
  terminals: ['b'],
};
const VIEWER = 'viewer-3f9a1c7e5b2d08a4c6e1f390';
const OPERATOR = 'operator-8c1d4e7a2b9f0356d8e1c4a7';
const audited: AuditEntry[] = [];
const calls: string[] = [];

const service = {
  log: { error: () => undefined, warn: () => undefined },
  auditLog: { record: (entry: AuditEntry) => Promise.resolve(void audited.push(entry)) },
  versions: (name: string) => {
    calls.push(`versions ${name}`);
    return Promise.resolve([VERSION]);
  },
  describe: (name: string, version?: string) => {
    calls.push(`describe ${name} ${version}`);
    if (version === V1) return Promise.resolve(SHAPE);
    return Promise.reject(
      new DagflowError(ErrorCode.FLOW_NOT_FOUND, `Flow '${name}' has no version '${version}'.`),
    );
  },
  migrate: (name: string, requestId: string): Promise<MigrationResult> => {
    calls.push(`migrate ${name} ${requestId}`);
    if (requestId === 'busy') {
      return Promise.reject(
        new DagflowError(ErrorCode.MIGRATION_REFUSED, 'Node b runs now.', {
          details: { reason: 'running', nodes: ['b'] },
        }),
      );
    }
    return Promise.resolve({
      requestId,
      from: V1,
      to: V2,
      at: 5,
      dropped: ['b'],
      released: ['c'],
    });
  },
  migrateAll: (name: string, { from }: { from: string }) => {
    calls.push(`migrateAll ${name} ${from}`);
    return Promise.resolve({
      from,
      to: V2,
      matched: 3,
      migrated: 2,
      failed: [{ requestId: 'busy', code: 'MIGRATION_REFUSED', message: 'Node b runs now.' }],
    });
  },
} as unknown as FlowApi;

let server: Server;
let base = '';
beforeAll(async () => {
  const app = createApp(service, {
    tokens: [
      { role: 'viewer', token: VIEWER, name: 'vera' },
      { role: 'operator', token: OPERATOR, name: 'otto' },
    ],
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  audited.length = 0;
  calls.length = 0;
});

async function call(method: string, path: string, token: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /flows/:name/versions', () => {
  it("answers the flow's versions to a viewer", async () => {
    expect(await call('GET', '/flows/order/versions', VIEWER)).toEqual({
      status: 200,
      body: { versions: [VERSION] },
    });
    expect(calls).toEqual(['versions order']);
  });
});

describe('GET /flows/:name/versions/:version', () => {
  it("answers that version's DAG description to a viewer", async () => {
    expect(await call('GET', `/flows/order/versions/${V1}`, VIEWER)).toEqual({
      status: 200,
      body: SHAPE,
    });
    expect(calls).toEqual([`describe order ${V1}`]);
  });

  it('answers 404 FLOW_NOT_FOUND for a version never published', async () => {
    expect(await call('GET', `/flows/order/versions/${V2}`, VIEWER)).toMatchObject({
      status: 404,
      body: { error: { code: 'FLOW_NOT_FOUND', message: `Flow 'order' has no version '${V2}'.` } },
    });
  });

  it.each([V1.toUpperCase(), 'abc', `${V1}0`, 'v1'])(
    'answers 400 INVALID_INPUT for a malformed version (%s)',
    async (version) => {
      const answer = await call('GET', `/flows/order/versions/${version}`, VIEWER);
      expect(answer).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_INPUT', details: { issues: [{ at: 'path.version' }] } } },
      });
      expect(calls).toEqual([]);
    },
  );
});

describe('POST /flow/:name/requests/:id/migrate', () => {
  it('migrates for an operator, answers what changed and audits it with the caller', async () => {
    const answer = await call('POST', '/flow/order/requests/r1/migrate', OPERATOR);
    expect(answer).toEqual({
      status: 200,
      body: { requestId: 'r1', from: V1, to: V2, at: 5, dropped: ['b'], released: ['c'] },
    });
    expect(audited).toEqual([
      {
        at: expect.any(Number) as number,
        who: { role: 'operator', token: 'otto' },
        action: 'migrate',
        flow: 'order',
        target: { requestId: 'r1' },
        outcome: 'ok',
        forced: false,
        details: { from: V1, to: V2 },
      },
    ]);
  });

  it('answers a refusal as 409 MIGRATION_REFUSED with its details, and audits the refusal', async () => {
    expect(await call('POST', '/flow/order/requests/busy/migrate', OPERATOR)).toEqual({
      status: 409,
      body: {
        error: {
          code: 'MIGRATION_REFUSED',
          message: 'Node b runs now.',
          details: { reason: 'running', nodes: ['b'] },
        },
      },
    });
    expect(audited).toMatchObject([
      { action: 'migrate', target: { requestId: 'busy' }, outcome: 'MIGRATION_REFUSED' },
    ]);
  });

  it('refuses a viewer (403) without calling the service', async () => {
    const answer = await call('POST', '/flow/order/requests/r1/migrate', VIEWER);
    expect(answer.status).toBe(403);
    expect(calls).toEqual([]);
  });
});

describe('POST /flow/:name/requests/migrate?from=', () => {
  it('migrates every request of the old version and audits one entry with the counts', async () => {
    const answer = await call('POST', `/flow/order/requests/migrate?from=${V1}`, OPERATOR);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ from: V1, to: V2, matched: 3, migrated: 2 });
    expect(calls).toEqual([`migrateAll order ${V1}`]);
    expect(audited).toMatchObject([
      {
        who: { role: 'operator', token: 'otto' },
        action: 'migrate',
        flow: 'order',
        details: { from: V1, to: V2, matched: 3, migrated: 2, failed: 1 },
      },
    ]);
  });

  it.each(['', '?from=', `?from=${V1.toUpperCase()}`, '?from=abc', `?from=${V1}0`])(
    'answers 400 INVALID_INPUT for a missing or malformed version (%s)',
    async (query) => {
      const answer = await call('POST', `/flow/order/requests/migrate${query}`, OPERATOR);
      expect(answer).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_INPUT', details: { issues: [{ at: 'query.from' }] } } },
      });
      expect(calls).toEqual([]);
    },
  );

  it('refuses a viewer (403)', async () => {
    const answer = await call('POST', `/flow/order/requests/migrate?from=${V1}`, VIEWER);
    expect(answer.status).toBe(403);
  });

  it('keeps a request named `migrate` migratable on its own route', async () => {
    await call('POST', '/flow/order/requests/migrate/migrate', OPERATOR);
    expect(calls).toEqual(['migrate order migrate']);
  });
});
