import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { startWorkerProcess, testPrefix, waitFor, type WorkerProcess } from '@dagflow/test-utils';
import { afterEach, describe, expect, inject, it } from 'vitest';

let service: FlowService | undefined;
let worker: WorkerProcess | undefined;
afterEach(async () => {
  await worker?.kill();
  await service?.close();
  service = worker = undefined;
});

const OPERATOR = 'operator-token-0123456789abcdef';
const KEY = `k1:${'s'.repeat(32)}`;

/**
 * A server with tokens (no caller without one gets in) and a signing key, and a worker process
 * serving the engine's wait test flows.
 */
async function serve(): Promise<string> {
  const prefix = testPrefix(import.meta.url, expect.getState().currentTestName ?? '');
  const fixture = new URL('../../../engine/test/fixtures/waits.mjs', import.meta.url).pathname;
  worker = startWorkerProcess(fixture, { REDIS_URL: inject('redisUrl'), DAGFLOW_PREFIX: prefix });
  await worker.ready;
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(),
    env: { DAGFLOW_TOKENS: `operator:ops:${OPERATOR}`, DAGFLOW_SIGNING_KEY: KEY },
  });
  await service.startServer();
  return `http://127.0.0.1:${service.httpPort}`;
}

const bearer = { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' };
const codeOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string } }).error.code;

describe('POST /signals/:token', () => {
  it('delivers a signal without a bearer token, once; no other route takes a call without one', async () => {
    const base = await serve();
    const started = await fetch(`${base}/flow/approval`, { method: 'POST', headers: bearer });
    const { requestId } = (await started.json()) as { requestId: string };
    const at = `${base}/flow/approval/requests/${requestId}`;
    await waitFor(async () => {
      const state = (await (await fetch(at, { headers: bearer })).json()) as {
        nodes: Record<string, { status: string }>;
      };
      return state.nodes['approve']?.status === 'waiting';
    });
    // Without a bearer token: the signal route, the URL route and emit answer 401.
    for (const path of [`${at}/signals/approve`, `${at}/signals/approve/url`, `${base}/events/x`]) {
      const refused = await fetch(path, { method: 'POST', body: '1' });
      expect([path, refused.status]).toEqual([path, 401]);
      expect(await codeOf(refused)).toBe('UNAUTHENTICATED');
    }
    const made = await fetch(`${at}/signals/approve/url?expiresInMs=60000`, {
      method: 'POST',
      headers: bearer,
    });
    expect(made.status).toBe(200);
    const { url, expiresAt } = (await made.json()) as { url: string; expiresAt: string };
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    // No DAGFLOW_PUBLIC_URL: the URL is on the server's listen address.
    expect(url.startsWith(`${base}/signals/`)).toBe(true);
    const path = url.slice(url.indexOf('/signals/'));
    // A cross-site browser request (a payment provider's page) reaches it too: no cookie auth.
    const sent = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'sec-fetch-site': 'cross-site',
        origin: 'https://pay.example',
      },
      body: '{"paid":true}',
    });
    expect(sent.status).toBe(202);
    await waitFor(
      async () => (await service?.state('approval', requestId))?.status === 'completed',
    );
    expect(await service?.result('approval', requestId)).toEqual({ approved: { paid: true } });
    const reused = await fetch(`${base}${path}`, { method: 'POST', body: '1' });
    expect([reused.status, await codeOf(reused)]).toEqual([409, 'SIGNAL_URL_USED']);
    const tampered = await fetch(`${base}${path.slice(0, -2)}xy`, { method: 'POST', body: '1' });
    expect([tampered.status, await codeOf(tampered)]).toEqual([401, 'SIGNAL_URL_INVALID']);
    // Audited as the URL's key id.
    const entries = (await service?.auditLog.list(10)) ?? [];
    expect(entries).toContainEqual(
      expect.objectContaining({
        action: 'signal',
        who: expect.objectContaining({ token: 'signal-url:k1' }),
        outcome: 'ok',
      }),
    );
  });
});
