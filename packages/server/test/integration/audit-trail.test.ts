import { FlowService } from '@dagflow/engine';
import { API_ROUTES, httpApi } from '@dagflow/server';
import type { AuditLogResponse } from '@dagflow/server/contract';
import { testPrefix, waitFor } from '@dagflow/test-utils';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

const OPERATOR = 'operator-8c1d4e7a2b9f0356d8e1c4a7';
const ADMIN = 'admin-e07b5a9c3d1f6284b0c7e9a2';

let service: FlowService;
let base = '';
beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'audit-trail'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    closeTimeoutMs: 2_000,
    signingKey: `k1:${'a'.repeat(32)}`,
    http: httpApi({
      tokens: [
        { role: 'operator', token: OPERATOR, name: 'otto' },
        { role: 'admin', token: ADMIN, name: 'ada' },
      ],
      auditExecutes: true,
    }),
  });
  service.register('gated', (dag) => dag.signal('approve'));
  await service.start();
  base = `http://127.0.0.1:${service.httpPort}`;
});
afterAll(async () => service.close());

const send = (method: string, path: string, token: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

it('audits every state-changing route with caller, action, target and outcome', async () => {
  const started = await send('POST', '/flow/gated', OPERATOR, { n: 1 });
  const { requestId } = (await started.json()) as { requestId: string };
  const request = `/flow/gated/requests/${requestId}`;
  await waitFor(
    async () => (await service.state('gated', requestId)).nodes['approve']?.status === 'waiting',
  );
  const definition = {
    name: 'declared',
    nodes: [{ id: 'a', op: 'flow', with: { flow: 'gated' } }],
  };
  const step = { op: 'flow', with: { flow: 'gated' } };
  // One call of each state-changing route (by operation id), as the caller that makes it.
  const calls: Record<string, () => Promise<Response>> = {
    execute: () => send('POST', '/flow/gated', OPERATOR, { n: 0 }),
    pauseRequest: () => send('POST', `${request}/pause`, OPERATOR),
    resumeRequest: () => send('POST', `${request}/resume`, OPERATOR),
    signalRequest: () => send('POST', `${request}/signals/approve`, OPERATOR, { ok: true }),
    signalUrl: () => send('POST', `${request}/signals/approve/url`, OPERATOR),
    // No bearer token: the URL is the credential (the node has its signal by then: 409, audited).
    signalByUrl: () =>
      fetch(service.signalUrl('gated', requestId, 'approve'), { method: 'POST', body: '1' }),
    emitEvent: () => send('POST', '/events/paid', OPERATOR, { id: 1 }),
    stopRequest: () => send('POST', `${request}/stop`, OPERATOR),
    rerunRequest: () => send('POST', `${request}/rerun`, OPERATOR, { n: 2 }),
    migrateRequest: () => send('POST', `${request}/migrate`, OPERATOR),
    migrateRequests: () => send('POST', '/flow/gated/requests/migrate?from=aaaaaaaaaaaa', OPERATOR),
    // A filter the request never matches: the bulk runs in the background, and would otherwise stop
    // it while the pause below holds it (the stop route then answers INVALID_TRANSITION).
    startBulk: () =>
      send('POST', '/flow/gated/requests/bulk', OPERATOR, {
        action: 'stop',
        filter: { status: 'failed' },
      }),
    putSchedule: () => send('PUT', '/flows/gated/schedules/daily', OPERATOR, { cron: '0 3 * * *' }),
    deleteSchedule: () => send('DELETE', '/flows/gated/schedules/daily', OPERATOR),
    registerFlow: () => send('POST', '/flows', ADMIN, definition),
    addStep: () => send('POST', '/admin/flows/declared/steps', ADMIN, { id: 'b', ...step }),
    replaceStep: () => send('PUT', '/admin/flows/declared/steps/b', ADMIN, step),
    removeStep: () => send('DELETE', '/admin/flows/declared/steps/b', ADMIN),
  };
  const changing = API_ROUTES.filter((route) => route.method !== 'get');
  expect(Object.keys(calls).sort()).toEqual(changing.map((route) => route.id).sort());
  // Each call leaves one entry, the newest, naming its caller; the execute already left its own.
  for (const route of changing) {
    const status = (await calls[route.id]!()).status;
    const [newest] = await service.auditLog.list(1);
    expect(route.audit, route.id).toBeDefined();
    const token = route.access === 'admin' ? 'ada' : 'otto';
    expect(newest, route.id).toMatchObject({
      action: route.audit,
      who: route.access === 'open' ? { token: 'signal-url:k1' } : { role: route.access, token },
      outcome: status < 400 ? 'ok' : expect.stringMatching(/^[A-Z_]+$/),
    });
  }
  const { entries } = (await (
    await send('GET', '/admin/audit?limit=50', ADMIN)
  ).json()) as AuditLogResponse;
  const of = (action: string) => entries.filter((each) => each.action === action);
  expect(of('execute').at(-1)).toMatchObject({
    flow: 'gated',
    target: { requestId },
    outcome: 'ok',
  });
  expect(of('signal').at(-1)).toMatchObject({
    target: { requestId, signal: 'approve' },
    outcome: 'ok',
  });
  // The signal URL's use: after the operator's signal, so refused, and audited as the URL.
  expect(of('signal')[0]).toMatchObject({
    flow: 'gated',
    who: { token: 'signal-url:k1' },
    target: { requestId, signal: 'approve' },
    outcome: 'SIGNAL_ALREADY_DELIVERED',
  });
  expect(of('stop')[0]).toMatchObject({ target: { requestId }, outcome: 'ok' });
  expect(of('bulk')[0]).toMatchObject({
    who: { role: 'operator', token: 'otto' },
    details: { action: 'stop', filter: { status: 'failed' } },
    outcome: 'ok',
  });
  expect(of('rerun')[0]).toMatchObject({ target: { requestId }, details: { newInput: true } });
  expect(of('schedule-put')[0]).toMatchObject({
    target: { schedule: 'daily' },
    details: { cron: '0 3 * * *' },
    outcome: 'ok',
  });
  expect(of('register')[0]).toMatchObject({ flow: 'declared', outcome: 'ok' });
  expect(of('replace-step')[0]).toMatchObject({ flow: 'declared', target: { node: 'b' } });
  // Newest first, and paged by id.
  const older = (await (
    await send('GET', `/admin/audit?limit=50&before=${entries[0]!.id!}`, ADMIN)
  ).json()) as AuditLogResponse;
  expect(older.entries[0]).toEqual(entries[1]);
  expect((await send('GET', '/admin/audit?before=x', ADMIN)).status).toBe(400);
  // No token in the trail.
  expect(JSON.stringify(entries)).not.toMatch(/8c1d4e7a|e07b5a9c/);
});
