import { createServer, type Server } from 'node:http';
import { ErrorCode, type FlowService } from '@dagflow/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/**
 * A loopback server the test owns: `/ok` answers JSON, `/to?url=` redirects there, `/loop` to itself,
 * `/big` answers 64 KiB, `/slow` answers after 2 s. Answers the port and the number of requests it got.
 */
async function target(): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  server = createServer((req, res) => {
    hits += 1;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ok')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    else if (url.pathname === '/to')
      res.writeHead(302, { location: url.searchParams.get('url') ?? '/' }).end();
    else if (url.pathname === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else if (url.pathname === '/big') res.writeHead(200).end('x'.repeat(64 * 1024));
    else if (url.pathname === '/slow') setTimeout(() => res.writeHead(200).end('late'), 2_000);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    hits: () => hits,
  };
}

/** Runs a one-node flow calling `url` and answers its result or its node error. */
async function call(
  service: FlowService,
  params: Record<string, unknown>,
  retries = 0,
): Promise<{ result?: unknown; error?: { code?: string; attempts: number; message: string } }> {
  service.registerDefinition({
    name: 'call',
    nodes: [
      { id: 'get', op: 'http', with: params, retries, backoff: { type: 'fixed', delayMs: 10 } },
    ],
  });
  await service.startWorker();
  const id = await service.execute('call', null);
  try {
    return { result: await service.waitForResult('call', id, { timeoutMs: 20_000 }) };
  } catch {
    const state = await service.state('call', id);
    const error = state.nodes['get']?.error;
    return error === undefined ? {} : { error };
  }
}

describe('the http operation', () => {
  it('refuses loopback by address and by name (after DNS), at once and without calling it', async () => {
    const { port, hits } = await target();
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
      const service = newService({ prefix: `${prefixFor()}-${host}` });
      const { error } = await call(service, { url: `http://${host}:${port}/ok` }, 2);
      expect(error, host).toMatchObject({ code: ErrorCode.HTTP_TARGET_FORBIDDEN, attempts: 1 });
    }
    expect(hits()).toBe(0);
  });

  it('reaches a target the allow list names, as a host, an address or a CIDR', async () => {
    const { port } = await target();
    // A name is checked by every address it resolves to: localhost may be ::1 as well as 127.0.0.1.
    for (const [allow, host] of [
      [['localhost'], 'localhost'],
      [['127.0.0.1'], '127.0.0.1'],
      [['127.0.0.0/8'], '127.0.0.1'],
      [['127.0.0.0/8', '::1'], 'localhost'],
    ] as const) {
      const service = newService({
        prefix: `${prefixFor()}-${allow.join()}-${host}`,
        httpAllow: allow,
      });
      expect(
        await call(service, { url: `http://${host}:${port}/ok` }),
        `${allow.join()} ${host}`,
      ).toEqual({
        result: { ok: true },
      });
    }
  });

  it('reaches a target through an allow-list entry with its port, and no other port', async () => {
    const { port, hits } = await target();
    const other = port === 65_535 ? port - 1 : port + 1;
    for (const [i, allow, reached] of [
      // Refused first: the agent's keep-alive socket of an allowed call would skip the lookup.
      [1, `127.0.0.1:${other}`, false],
      [2, `localhost:${other}`, false],
      [3, `127.0.0.1:${port}`, true],
      [4, `localhost:${port}`, true],
    ] as const) {
      const host = allow.split(':')[0] ?? '';
      const service = newService({ prefix: `${prefixFor()}-${i}`, httpAllow: [allow] });
      const answer = await call(service, { url: `http://${host}:${port}/ok` });
      if (reached) expect(answer, allow).toEqual({ result: { ok: true } });
      else
        expect(answer, allow).toMatchObject({ error: { code: ErrorCode.HTTP_TARGET_FORBIDDEN } });
    }
    expect(hits()).toBe(2);
  });

  it('reads the allow list from DAGFLOW_HTTP_ALLOW, host and CIDR forms', async () => {
    const { port } = await target();
    const saved = process.env['DAGFLOW_HTTP_ALLOW'];
    try {
      for (const [allow, host] of [
        ['example.invalid, localhost', 'localhost'],
        ['10.0.0.0/8,127.0.0.0/8', '127.0.0.1'],
      ] as const) {
        process.env['DAGFLOW_HTTP_ALLOW'] = allow;
        const service = newService({ prefix: `${prefixFor()}-${host}` });
        expect(await call(service, { url: `http://${host}:${port}/ok` }), allow).toEqual({
          result: { ok: true },
        });
      }
    } finally {
      if (saved === undefined) delete process.env['DAGFLOW_HTTP_ALLOW'];
      else process.env['DAGFLOW_HTTP_ALLOW'] = saved;
    }
  });

  it('refuses a redirect from an allowed host to a refused one', async () => {
    const { port, hits } = await target();
    const service = newService({ prefix: prefixFor(), httpAllow: ['localhost'] });
    const { error } = await call(service, {
      url: `http://localhost:${port}/to?url=${encodeURIComponent(`http://127.0.0.1:${port}/ok`)}`,
    });
    expect(error).toMatchObject({ code: ErrorCode.HTTP_TARGET_FORBIDDEN, attempts: 1 });
    expect(error?.message).toContain('127.0.0.1');
    expect(hits()).toBe(1);
    const metadata = newService({ prefix: `${prefixFor()}-metadata`, httpAllow: ['localhost'] });
    const toMetadata = await call(metadata, {
      url: `http://localhost:${port}/to?url=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`,
    });
    expect(toMetadata.error).toMatchObject({ code: ErrorCode.HTTP_TARGET_FORBIDDEN });
  });

  it('follows allowed redirects, caps the response size and times out', async () => {
    const { port } = await target();
    const allowed = { httpAllow: ['127.0.0.1'] };
    const base = `http://127.0.0.1:${port}`;
    const redirected = newService({ prefix: `${prefixFor()}-redirect`, ...allowed });
    expect(await call(redirected, { url: `${base}/to?url=/ok` })).toEqual({ result: { ok: true } });
    const loop = newService({ prefix: `${prefixFor()}-loop`, ...allowed });
    expect((await call(loop, { url: `${base}/loop` }, 2)).error).toMatchObject({
      code: ErrorCode.HTTP_TARGET_FORBIDDEN,
      attempts: 1,
    });

    const big = newService({ prefix: `${prefixFor()}-big`, ...allowed });
    expect(
      (await call(big, { url: `${base}/big`, maxResponseBytes: 1_000 }, 2)).error,
    ).toMatchObject({
      code: ErrorCode.PAYLOAD_TOO_LARGE,
      attempts: 1,
    });

    const slow = newService({ prefix: `${prefixFor()}-slow`, ...allowed });
    const started = Date.now();
    expect((await call(slow, { url: `${base}/slow`, timeoutMs: 200 }, 1)).error).toMatchObject({
      code: ErrorCode.HTTP_TIMEOUT,
      attempts: 2,
    });
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it("refuses to publish on dagflow's own node queues", async () => {
    const prefix = prefixFor();
    const service = newService({ prefix });
    // Under dagflow's prefix (the default, BullMQ's `bull`, holds no dagflow queue).
    service.registerDefinition({
      name: 'sneaky',
      nodes: [{ id: 'out', op: 'publish', with: { queue: '{sneaky}', prefix }, retries: 2 }],
    });
    // Nor under a longer prefix that reaches into dagflow's keys.
    service.registerDefinition({
      name: 'deeper',
      nodes: [
        {
          id: 'out',
          op: 'publish',
          with: { queue: 'x', prefix: `${prefix}:{sneaky}` },
          retries: 2,
        },
      ],
    });
    await service.startWorker();
    for (const flow of ['sneaky', 'deeper']) {
      const id = await service.execute(flow, { x: 1 });
      await expect(service.waitForResult(flow, id, { timeoutMs: 10_000 })).rejects.toThrow();
      expect((await service.state(flow, id)).nodes['out']?.error).toMatchObject({
        code: ErrorCode.QUEUE_FORBIDDEN,
        attempts: 1,
      });
    }
  });
});
