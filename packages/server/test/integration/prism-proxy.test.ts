import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { freePort, testPrefix, waitFor } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * Stoplight Prism as a validating proxy (`prism proxy --errors`) between this test and a real server:
 * every request and every answer of a representative run is checked against the served document by a
 * validator that is not ours. A violation makes Prism answer it instead of the server (and name it in
 * `sl-violations`), so each call asserts the server's own status and no violation.
 */
const ADMIN = 'admin-prism-7d3f9b1c5e2a8046';
const dir = mkdtempSync(join(tmpdir(), 'dagflow-prism-'));
let service: FlowService | undefined;
let prism: ChildProcess | undefined;
let base = '';
let prismLog = '';

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'prism'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi({ tokens: [{ role: 'admin', token: ADMIN }] }),
  });
  service.register('echo', (dag) => dag.node('echo', (input: unknown) => input));
  service.register('approval', (dag) => dag.signal('approve'));
  service.register('broken', (dag) =>
    dag.node('explode', () => {
      throw new Error('kaboom');
    }),
  );
  await service.start();
  const server = `http://127.0.0.1:${service.httpPort}`;
  const file = join(dir, 'openapi.json');
  writeFileSync(file, await (await fetch(`${server}/openapi.json`)).text());
  // Prism checks a bearer token is sent; the server checks it is known.
  const port = await freePort();
  const bin = new URL('../../node_modules/.bin/prism', import.meta.url).pathname;
  prism = spawn(bin, ['proxy', file, server, '--errors', '--port', String(port)], {
    env: { ...process.env, SCARF_ANALYTICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prism.stdout?.on('data', (chunk: Buffer) => (prismLog += chunk.toString()));
  prism.stderr?.on('data', (chunk: Buffer) => (prismLog += chunk.toString()));
  base = `http://127.0.0.1:${port}`;
  await waitFor(() => /Prism is listening/.test(prismLog), { timeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  prism?.kill();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One call through Prism: the status the server answered, and its body as text. */
async function call(
  method: string,
  path: string,
  init: { type?: string; body?: string | Buffer } = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(init.type === undefined ? {} : { 'content-type': init.type }),
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  expect(response.headers.get('sl-violations'), `${method} ${path}: ${text}`).toBeNull();
  return { status: response.status, text };
}

const json = (value: unknown) => ({ type: 'application/json', body: JSON.stringify(value) });

describe('requests and answers through Prism (validating proxy)', () => {
  it('executes and reads requests', async () => {
    const started = await call('POST', '/flow/echo', json({ a: 1 }));
    expect(started.status).toBe(202);
    const { requestId } = JSON.parse(started.text) as { requestId: string };
    expect((await call('POST', '/flow/echo?wait=5', json([1, 2]))).status).toBe(200);
    expect((await call('POST', '/flow/echo?wait=5', { type: 'text/plain', body: 'hi' })).text).toBe(
      '"hi"',
    );
    const form = { type: 'application/x-www-form-urlencoded', body: 'hallo' };
    expect((await call('POST', '/flow/echo?wait=5', form)).text).toBe('"hallo"');
    const bytes = { type: 'application/octet-stream', body: Buffer.from([1, 2, 3]) };
    expect((await call('POST', '/flow/echo?wait=5', bytes)).status).toBe(200);
    await waitFor(async () => (await service!.state('echo', requestId)).status === 'completed');
    expect((await call('GET', `/flow/echo/requests/${requestId}`)).status).toBe(200);
    expect((await call('GET', `/flow/echo/requests/${requestId}/result`)).status).toBe(200);
    expect((await call('GET', `/flow/echo/requests/${requestId}/nodes/echo`)).status).toBe(200);
    expect((await call('GET', '/flow/echo/requests?limit=2')).status).toBe(200);
  });

  // Requests the document refuses (`?limit=0`) Prism answers itself: the conformance and sweep
  // tests send those to the server.
  it('answers errors as documented', async () => {
    expect((await call('POST', '/flow/nope', json(1))).status).toBe(404);
    expect((await call('POST', '/flow/broken?wait=5', json(1))).status).toBe(422);
    expect((await call('GET', '/flow/echo/requests/missing')).status).toBe(404);
    expect((await call('POST', '/flow/echo/requests/missing/stop')).status).toBe(404);
    expect((await call('GET', '/flows/nope')).status).toBe(404);
  });

  it('signals, schedules and describes', async () => {
    const started = await call('POST', '/flow/approval', json(null));
    const { requestId } = JSON.parse(started.text) as { requestId: string };
    const signal = `/flow/approval/requests/${requestId}/signals/approve`;
    expect((await call('POST', signal, { type: 'text/plain', body: 'yes' })).status).toBe(202);
    expect((await call('POST', signal, json(1))).status).toBe(409);
    expect(
      (await call('PUT', '/flows/echo/schedules/nightly', json({ everyMs: 3_600_000 }))).status,
    ).toBe(200);
    expect((await call('GET', '/flows/echo/schedules')).status).toBe(200);
    expect((await call('DELETE', '/flows/echo/schedules/nightly')).status).toBe(200);
    expect((await call('GET', '/flows')).status).toBe(200);
    expect((await call('GET', '/flows/echo')).status).toBe(200);
    expect((await call('GET', '/flows/echo/versions')).status).toBe(200);
    expect((await call('GET', '/auth/whoami')).status).toBe(200);
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('logged no violation', () => {
    expect(prismLog).not.toMatch(/violation|not valid/i);
  });
});
