import { execFile } from 'node:child_process';
import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix, waitFor } from '@dagflow/test-utils';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const OPERATOR = 'cli-operator-5b2e9d1c7a4f3086e2d1';
const KEY = `k1:${'c'.repeat(32)}`;
const prefix = testPrefix(import.meta.url, 'event-commands');
let service: FlowService;
let url = '';

/** Runs the CLI over HTTP (with the operator token) or, for `http` false, over Redis. */
function dagflow(
  http: boolean,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    ...(http
      ? { DAGFLOW_URL: url, DAGFLOW_TOKEN: OPERATOR, REDIS_URL: 'redis://127.0.0.1:1' }
      : { REDIS_URL: inject('redisUrl'), DAGFLOW_PREFIX: prefix, DAGFLOW_URL: '' }),
    DAGFLOW_SIGNING_KEY: KEY,
    LOG_LEVEL: 'error',
  };
  return new Promise((resolve) => {
    execFile('node', [MAIN, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    signingKey: KEY,
    http: httpApi({ tokens: [{ role: 'operator', token: OPERATOR }] }),
  });
  service.register('order', (dag) => {
    dag.waitFor('paid', { event: 'payment.succeeded', match: { 'data.id': '$.id' } });
    dag.signal('shipped');
  });
  await service.start();
  url = `http://127.0.0.1:${service.httpPort}/`;
});

afterAll(async () => {
  await service.close();
});

it('emits events and makes signal URLs, over HTTP and over Redis', async () => {
  const ids = [
    await service.execute('order', { id: 'a' }),
    await service.execute('order', { id: 'b' }),
  ];
  for (const id of ids)
    await waitFor(
      async () => (await service.state('order', id)).nodes['paid']?.status === 'waiting',
    );
  const http = await dagflow(true, 'emit', 'payment.succeeded', '{"id":"a","cents":5}');
  expect([http.code, http.stdout]).toEqual([0, 'payment.succeeded: delivered to 1 waiting step\n']);
  const redis = await dagflow(false, 'emit', 'payment.succeeded', '{"id":"b"}', '--json');
  expect(JSON.parse(redis.stdout)).toEqual({ event: 'payment.succeeded', delivered: 1 });
  const none = await dagflow(true, 'emit', 'payment.succeeded', '{"id":"zzz"}');
  expect(none.stdout).toBe('payment.succeeded: delivered to 0 waiting steps\n');

  const [a = '', b = ''] = ids;
  for (const [over, id] of [
    [true, a],
    [false, b],
  ] as const) {
    const made = await dagflow(over, 'signal-url', 'order', id, 'shipped', '--expires', '60000');
    expect(made.code).toBe(0);
    const path = made.stdout.trim().slice(made.stdout.indexOf('/signals/'));
    const sent = await fetch(new URL(path, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '"today"',
    });
    expect(sent.status).toBe(202);
    expect(await service.waitForResult('order', id)).toMatchObject({ shipped: 'today' });
  }
});
