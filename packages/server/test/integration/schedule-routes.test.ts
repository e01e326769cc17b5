import { FlowService } from '@dagflow/engine';
import { type ApiToken, httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

const tokens: ApiToken[] = [
  { role: 'viewer', token: 'viewer-3f9a1c7e5b2d08a4c6e1f390' },
  { role: 'operator', token: 'operator-8c1d4e7a2b9f0356d8e1c4a7' },
];
let service: FlowService;
let base = '';

const send = (path: string, init: { method?: string; token?: string; json?: unknown } = {}) =>
  fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
const [viewer, operator] = tokens.map((t) => t.token);
const codeOf = async (response: Response) =>
  ((await response.json()) as { error?: { code: string } }).error?.code;

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'schedule-routes'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    closeTimeoutMs: 2_000,
    http: httpApi({ tokens }),
  });
  service.register('report', (dag) => dag.node('make', (input: unknown) => input), {
    concurrency: { key: (input) => String(input), limit: 2 },
  });
  await service.start();
  base = `http://127.0.0.1:${service.httpPort}`;
});

afterAll(async () => {
  await service.close();
});

it('creates (operator), lists (viewer), shows in GET /flows/:name and removes (operator) a schedule', async () => {
  const body = { cron: '0 9 * * 1-5', tz: 'Europe/Paris', input: { to: 'ops' } };
  const path = '/flows/report/schedules/weekday';
  expect((await send(path, { method: 'PUT', token: viewer, json: body })).status).toBe(403);
  expect((await send(path, { method: 'PUT', json: body })).status).toBe(401);
  const created = await send(path, { method: 'PUT', token: operator, json: body });
  expect(created.status).toBe(200);
  const schedule = (await created.json()) as { next: number };
  expect(schedule).toMatchObject({ id: 'weekday', ...body });
  expect(schedule.next).toBeGreaterThan(Date.now());

  const listed = await send('/flows/report/schedules', { token: viewer });
  expect(listed.status).toBe(200);
  expect(await listed.json()).toEqual({ schedules: [schedule] });
  const detail = (await (await send('/flows/report', { token: viewer })).json()) as {
    schedules: unknown;
    concurrency: unknown;
  };
  expect(detail.schedules).toEqual([schedule]);
  expect(detail.concurrency).toEqual({ key: 'function', limit: 2 });

  expect((await send(path, { method: 'DELETE', token: viewer })).status).toBe(403);
  const removed = await send(path, { method: 'DELETE', token: operator });
  expect(removed.status).toBe(200);
  expect(await removed.json()).toEqual({ id: 'weekday', removed: true });
  const again = await send(path, { method: 'DELETE', token: operator });
  expect([again.status, await codeOf(again)]).toEqual([404, 'SCHEDULE_NOT_FOUND']);
  expect(await (await send('/flows/report/schedules', { token: viewer })).json()).toEqual({
    schedules: [],
  });
});

it('answers 400 INVALID_SCHEDULE for a bad cron or both kinds, 404 FLOW_NOT_FOUND for an unknown flow', async () => {
  const put = (path: string, json: unknown) => send(path, { method: 'PUT', token: operator, json });
  for (const json of [{ cron: 'every tuesday' }, { cron: '* * * * *', everyMs: 1000 }, {}]) {
    const response = await put('/flows/report/schedules/bad', json);
    expect([response.status, await codeOf(response)]).toEqual([400, 'INVALID_SCHEDULE']);
  }
  // A body of the wrong shape fails its schema in GET /openapi.json, as everywhere in the API.
  const array = await put('/flows/report/schedules/bad', [1]);
  expect([array.status, await codeOf(array)]).toEqual([400, 'INVALID_INPUT']);
  const unknown = await put('/flows/nope/schedules/x', { everyMs: 1000 });
  expect([unknown.status, await codeOf(unknown)]).toEqual([404, 'FLOW_NOT_FOUND']);
});
