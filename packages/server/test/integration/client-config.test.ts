import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * Options a client sends (a definition's `concurrency` and node options, a step change's, a
 * schedule's) are client input: out of range, they answer a 4xx naming them, never 500 as a
 * misconfigured process would.
 */
let service: FlowService | undefined;
let base = '';

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'client-config'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(),
  });
  service.register('echo', (dag) => dag.node('echo', (input: unknown) => input));
  await service.start();
  base = `http://127.0.0.1:${service.httpPort}`;
  service.registerDefinition({
    name: 'declared',
    nodes: [{ id: 'first', op: 'flow', with: { flow: 'echo' } }],
  });
});

afterAll(async () => {
  await service?.close();
});

const send = async (method: string, path: string, body: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
};

let defined = 0;
/** A definition of a new flow (each name once, so that none answers 409 for an earlier one). */
const definition = (extra: Record<string, unknown>, node = {}) => ({
  name: `sweep-${++defined}`,
  nodes: [{ id: 'first', op: 'flow', with: { flow: 'echo' }, ...node }],
  ...extra,
});

describe('client-sent options never answer 5xx', () => {
  it.each([
    ['concurrency 0', { concurrency: 0 }, 'DEFINITION_INVALID'],
    ['concurrency -1', { concurrency: -1 }, 'DEFINITION_INVALID'],
    ['concurrency 1.5', { concurrency: 1.5 }, 'DEFINITION_INVALID'],
    ['concurrency "3"', { concurrency: '3' }, 'DEFINITION_INVALID'],
    ['a key of limit 0', { concurrency: { keyPath: 'a', limit: 0 } }, 'DEFINITION_INVALID'],
    ['a key without keyPath', { concurrency: { limit: 2 } }, 'DEFINITION_INVALID'],
  ])('POST /flows with %s answers 422', async (_, extra, code) => {
    const answer = await send('POST', '/flows', definition(extra));
    expect(answer.status).toBe(422);
    expect(answer.body.error?.code).toBe(code);
  });

  it.each([
    ['retries 1.5', { retries: 1.5 }],
    ['timeoutMs 0', { timeoutMs: 0 }],
    ['timeoutMs -5', { timeoutMs: -5 }],
    ['retries "2"', { retries: '2' }],
  ])('node options: %s answer 4xx', async (_, node) => {
    const http = { op: 'http', with: { url: 'http://127.0.0.1:1/' } };
    const answer = await send('POST', '/flows', definition({}, { ...http, ...node }));
    expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  it.each([
    ['retries -1', { retries: -1 }],
    ['timeoutMs 0', { timeoutMs: 0 }],
  ])('a step change with %s answers 4xx', async (_, options) => {
    const step = { id: 'second', op: 'flow', with: { flow: 'echo' }, after: ['first'], ...options };
    const answer = await send('POST', '/admin/flows/declared/steps', step);
    expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  it.each([
    ['everyMs 0', { everyMs: 0 }],
    ['everyMs -1', { everyMs: -1 }],
    ['everyMs 1e300', { everyMs: 1e300 }],
    ['everyMs 1.5e6', { everyMs: 1_500_000.5 }],
    ['both', { everyMs: 60_000, cron: '* * * * *' }],
    ['neither', {}],
    ['a bad zone', { cron: '* * * * *', tz: 'Mars/Olympus' }],
    ['a bad cron', { cron: '99 * * * *' }],
    ['a huge cron', { cron: '* '.repeat(500) }],
  ])('a schedule with %s answers 4xx', async (_, body) => {
    const answer = await send('PUT', '/flows/echo/schedules/sweep', body);
    expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  it('keeps the largest interval it takes as given (1e300 was stored as 1 ms)', async () => {
    const everyMs = Number.MAX_SAFE_INTEGER;
    const answer = await send('PUT', '/flows/echo/schedules/rare', { everyMs });
    expect(answer).toMatchObject({ status: 200, body: { everyMs } });
    await send('DELETE', '/flows/echo/schedules/rare', {});
  });
});
