import { gzipSync } from 'node:zlib';
import type { FlowService } from '@dagflow/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { httpService } from './http-service.js';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function serve(): Promise<string> {
  service = httpService(import.meta.url);
  service.register('echo', (dag) => dag.node('echo', (input: unknown) => input));
  service.register('context', (dag) =>
    dag.node('query', (_input: unknown, ctx) => ({ query: ctx.query, header: ctx.headers })),
  );
  await service.start();
  return `http://127.0.0.1:${service.httpPort}`;
}

async function errorOf(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { error: { code: string } };
  return { status: response.status, code: body.error.code };
}

describe('hostile HTTP input', () => {
  it('answers malformed percent-encoding with 400 INVALID_PATH', async () => {
    const base = await serve();
    for (const path of ['/flow/%ZZ', '/flow/%E0%A4%A', '/flow/%FF%FE', '/flow/echo/requests/%C0']) {
      expect(await errorOf(await fetch(`${base}${path}`, { method: 'POST' })), path).toEqual({
        status: 400,
        code: 'INVALID_PATH',
      });
    }
  });

  it('answers undecodable and unknown content encodings with 400 INVALID_ENCODING', async () => {
    const base = await serve();
    const bodies: [string, Buffer][] = [
      ['gzip', Buffer.from('not gzip')],
      ['deflate', Buffer.from('not deflate')],
      ['br', Buffer.from('not brotli')],
      ['gzip', gzipSync(Buffer.from('"truncated"')).subarray(0, 12)],
      ['zz', Buffer.from('x')],
    ];
    for (const [encoding, body] of bodies) {
      const response = await fetch(`${base}/flow/echo`, {
        method: 'POST',
        headers: { 'content-encoding': encoding, 'content-type': 'application/json' },
        body,
      });
      expect(await errorOf(response), encoding).toEqual({ status: 400, code: 'INVALID_ENCODING' });
    }
    const zipped = await fetch(`${base}/flow/echo?wait=5`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
      body: gzipSync(Buffer.from('{"a":1}')),
    });
    expect(await zipped.json()).toEqual({ a: 1 });
    const bomb = await fetch(`${base}/flow/echo`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.alloc(5 * 1024 * 1024)),
    });
    expect(await errorOf(bomb)).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses deep JSON and YAML before parsing, and lives on', async () => {
    const base = await serve();
    for (let i = 0; i < 3; i++) {
      const yaml = await fetch(`${base}/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: '['.repeat(1000),
      });
      expect(await errorOf(yaml)).toEqual({ status: 422, code: 'DEFINITION_INVALID' });
    }
    const json = await fetch(`${base}/flow/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `${'['.repeat(65)}${']'.repeat(65)}`,
    });
    expect(await errorOf(json)).toEqual({ status: 400, code: 'INVALID_JSON' });
    const fine = await fetch(`${base}/flow/echo?wait=5`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `${'['.repeat(64)}${']'.repeat(64)}`,
    });
    expect(fine.status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers an empty or nameless definition with 422 DEFINITION_INVALID (found by the fuzz test)', async () => {
    const base = await serve();
    for (const [type, body] of [
      ['application/yaml', ''],
      ['text/yaml', '~'],
      ['application/json', '[]'],
      ['application/json', '{"name": 3}'],
    ] as const) {
      const answer = await fetch(`${base}/flows`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      expect(await errorOf(answer)).toEqual({ status: 422, code: 'DEFINITION_INVALID' });
    }
  });

  it('answers a wrong method with 405 and Allow, an unknown path with 404', async () => {
    const base = await serve();
    const wrong = await fetch(`${base}/flows`, { method: 'DELETE' });
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await errorOf(wrong)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED' });
    const control = await fetch(`${base}/flow/echo/requests/x/stop`);
    expect(control.headers.get('allow')).toBe('POST');
    expect(await errorOf(await fetch(`${base}/nowhere`))).toEqual({
      status: 404,
      code: 'ROUTE_NOT_FOUND',
    });
  });

  it('passes query parameters named __proto__ through as ordinary keys, pollutes nothing', async () => {
    const base = await serve();
    const response = await fetch(`${base}/flow/context?wait=5&__proto__=1&constructor=2`, {
      method: 'POST',
      headers: [['__proto__', 'header']],
    });
    const { query, header } = (await response.json()) as {
      query: Record<string, string>;
      header: Record<string, string>;
    };
    expect(Object.entries(query)).toEqual([
      ['__proto__', '1'],
      ['constructor', '2'],
    ]);
    // Node itself drops a header named __proto__ (its headers object is a plain one); nothing leaks.
    expect(Object.getPrototypeOf(header)).toBe(Object.prototype);
    expect(Object.keys(header)).not.toContain('__proto__');
  });

  it('rejects Object.prototype names as flow and node ids', async () => {
    const base = await serve();
    for (const definition of [
      { name: '__proto__', nodes: [{ id: 'a', op: 'http' }] },
      { name: 'proto', nodes: [{ id: '__proto__', op: 'http' }] },
      { name: 'proto', nodes: [{ id: 'constructor', op: 'http' }] },
    ]) {
      const response = await fetch(`${base}/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(definition),
      });
      expect(await errorOf(response)).toEqual({ status: 422, code: 'DAG_INVALID_ID' });
    }
  });
});
