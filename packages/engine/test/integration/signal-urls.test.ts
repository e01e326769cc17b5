import { DagflowError, type FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const OLD = `old:${'o'.repeat(32)}`;
const NEW = `new:${'n'.repeat(40)}`;

/** A service (worker in process) whose flow hands out a signal URL for its own signal node. */
async function serving(prefix: string, signingKey: string): Promise<FlowService> {
  const service = newService({ prefix, signingKey, publicUrl: 'https://flows.example.com/' });
  service.register('pay', (dag) => {
    dag.node('charge', (_: unknown, ctx) => ({ webhook: ctx.signalUrl('paid') }));
    dag.signal('paid');
    dag.node('receipt', (paid: unknown) => ({ paid }));
    dag.edge('charge', 'paid').edge('paid', 'receipt');
  });
  await service.startWorker();
  return service;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof DagflowError ? error.code : String(error)),
  );
}

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

async function waiting(service: FlowService, id: string) {
  await waitFor(async () => (await service.state('pay', id)).nodes['paid']?.status === 'waiting');
}

describe('signal URLs', () => {
  it('deliver a signal once: from ctx.signalUrl and service.signalUrl; reuse is SIGNAL_URL_USED', async () => {
    const service = await serving(prefixFor(), OLD);
    const id = await service.execute('pay', null);
    await waiting(service, id);
    const { webhook } = (await service.nodeDetail('pay', id, 'charge')).output as {
      webhook: string;
    };
    expect(webhook).toMatch(/^https:\/\/flows\.example\.com\/signals\/[\w-]+\.[\w-]+$/);
    const claims = await service.signalByUrl(tokenOf(webhook), { cents: 5 });
    expect(claims).toMatchObject({ flow: 'pay', requestId: id, signal: 'paid', kid: 'old' });
    expect(await service.waitForResult('pay', id)).toEqual({ paid: { cents: 5 } });
    expect(await codeOf(service.signalByUrl(tokenOf(webhook), { cents: 6 }))).toBe(
      'SIGNAL_URL_USED',
    );

    // A URL whose delivery is refused (the node has its signal) can be tried again: it is given back.
    const url = service.signalUrl('pay', id, 'paid', { expiresInMs: 60_000 });
    expect(await codeOf(service.signalByUrl(tokenOf(url), 1))).toBe('SIGNAL_ALREADY_DELIVERED');
    expect(await codeOf(service.signalByUrl(tokenOf(url), 1))).toBe('SIGNAL_ALREADY_DELIVERED');
  });

  it('refuse expired and altered tokens', async () => {
    const service = await serving(prefixFor(), OLD);
    const id = await service.execute('pay', null);
    await waiting(service, id);
    const short = tokenOf(service.signalUrl('pay', id, 'paid', { expiresInMs: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await codeOf(service.signalByUrl(short, 1))).toBe('SIGNAL_URL_EXPIRED');

    const token = tokenOf(service.signalUrl('pay', id, 'paid'));
    const [payload = '', mac = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = Buffer.from(JSON.stringify({ ...claims, requestId: 'other' })).toString(
      'base64url',
    );
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [
      `${forged}.${mac}`,
      `${payload}.${flipped}`,
      `${payload}.`,
      'nonsense',
      `${token}.x`,
    ])
      expect(await codeOf(service.signalByUrl(bad, 1))).toBe('SIGNAL_URL_INVALID');
    expect((await service.state('pay', id)).nodes['paid']?.status).toBe('waiting');
    await service.signalByUrl(token, 2);
    expect(await service.waitForResult('pay', id)).toEqual({ paid: 2 });
  });

  it('keep working across a key rotation; a removed key id is SIGNAL_URL_INVALID', async () => {
    const prefix = prefixFor();
    const before = await serving(prefix, OLD);
    const ids = [await before.execute('pay', null), await before.execute('pay', null)];
    for (const id of ids) await waiting(before, id);
    const [kept, dropped] = ids.map((id) => tokenOf(before.signalUrl('pay', id, 'paid'))) as [
      string,
      string,
    ];
    await before.close();

    const rotated = await serving(prefix, `${NEW},${OLD}`);
    expect(tokenOf(rotated.signalUrl('pay', ids[0] ?? '', 'paid'))).not.toBe(kept);
    expect((await rotated.signalByUrl(kept, 'old key')).kid).toBe('old');
    expect(await rotated.waitForResult('pay', ids[0] ?? '')).toEqual({ paid: 'old key' });
    await rotated.close();

    const retired = await serving(prefix, NEW);
    expect(await codeOf(retired.signalByUrl(dropped, 1))).toBe('SIGNAL_URL_INVALID');
  });

  it('need a signing key: SIGNING_KEY_MISSING without one, INVALID_CONFIG for a weak one at start', () => {
    const service = newService({ prefix: prefixFor() });
    expect(() => service.signalUrl('pay', 'r', 'paid')).toThrow(
      expect.objectContaining({ code: 'SIGNING_KEY_MISSING' }),
    );
    expect(() => newService({ prefix: prefixFor(), signingKey: 'k:short' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(() => newService({ prefix: prefixFor(), signingKey: `${OLD},${OLD}` })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});
