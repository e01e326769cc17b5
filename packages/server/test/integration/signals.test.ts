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

/** An HTTP-only service and a worker process (concurrency 1) serving the engine's wait test flows. */
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
  });
  await service.startServer();
  return `http://127.0.0.1:${service.httpPort}`;
}

const json = { 'content-type': 'application/json' };

describe('POST /flow/:name/requests/:id/signals/:signal', () => {
  it('completes a waiting signal node with the body; a second signal answers 409', async () => {
    const base = await serve();
    const started = await fetch(`${base}/flow/approval`, {
      method: 'POST',
      headers: json,
      body: '1',
    });
    const { requestId } = (await started.json()) as { requestId: string };
    const state = async () =>
      (await (await fetch(`${base}/flow/approval/requests/${requestId}`)).json()) as {
        status: string;
        nodes: Record<string, { status: string }>;
      };
    await waitFor(async () => (await state()).nodes['approve']?.status === 'waiting');

    const signal = `${base}/flow/approval/requests/${requestId}/signals/approve`;
    const sent = await fetch(signal, { method: 'POST', headers: json, body: '{"ok":true}' });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ requestId, signal: 'approve' });
    await waitFor(async () => (await state()).status === 'completed');
    const result = await fetch(`${base}/flow/approval/requests/${requestId}/result`);
    expect(await result.json()).toEqual({ approved: { ok: true } });

    const again = await fetch(signal, { method: 'POST', headers: json, body: '{"ok":false}' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      'SIGNAL_ALREADY_DELIVERED',
    );
    const unknown = await fetch(`${base}/flow/approval/requests/${requestId}/signals/nope`, {
      method: 'POST',
      headers: json,
      body: '1',
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe(
      'SIGNAL_NOT_FOUND',
    );
  });

  it('takes what execute takes: text, a form body and bytes, as for execute; never a cross-site one', async () => {
    const base = await serve();
    /** Runs approval, signals it with `body` as `type`, and answers the signal's status and result. */
    const signalled = async (type: string, body: string | Buffer, headers = {}) => {
      const started = await fetch(`${base}/flow/approval`, { method: 'POST' });
      const { requestId } = (await started.json()) as { requestId: string };
      const at = `${base}/flow/approval/requests/${requestId}`;
      const sent = await fetch(`${at}/signals/approve`, {
        method: 'POST',
        headers: { 'content-type': type, ...headers },
        body,
      });
      if (sent.status !== 202) return { status: sent.status, body: await sent.json() };
      await waitFor(
        async () => ((await (await fetch(at)).json()) as { status: string }).status === 'completed',
      );
      const result = await fetch(`${at}/result`);
      const bytes = Buffer.from(await result.arrayBuffer());
      return {
        status: sent.status,
        type: result.headers.get('content-type'),
        result: result.headers.get('content-type')?.startsWith('application/json')
          ? JSON.parse(bytes.toString('utf8'))
          : bytes,
      };
    };
    expect(await signalled('text/plain', 'yes')).toMatchObject({
      status: 202,
      result: { approved: 'yes' },
    });
    expect(await signalled('application/x-www-form-urlencoded', 'ok=1')).toMatchObject({
      status: 202,
      result: { approved: 'ok=1' },
    });
    // Bytes reach the node as a Buffer; inside the JSON result it shows as Buffer#toJSON.
    expect(await signalled('application/octet-stream', Buffer.from([0, 1, 255]))).toMatchObject({
      status: 202,
      result: { approved: { type: 'Buffer', data: [0, 1, 255] } },
    });
    // Same defence as execute: a browser's cross-site POST is refused whatever its body.
    const forged = await signalled('text/plain', 'yes', {
      'sec-fetch-site': 'cross-site',
      origin: 'https://evil.example',
    });
    expect(forged).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });
});
