import { DagflowError, ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { describe, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

/** A flow whose node `flaky` throws `failures` times, then succeeds. */
function flakyService(retries: number, failures: number) {
  const service = newService({ prefix: prefixFor() });
  let calls = 0;
  service.register('flaky', (dag) => {
    dag.node(
      'flaky',
      (input: string) => {
        calls += 1;
        if (calls <= failures) throw new Error(`boom ${calls}`);
        return `${input} after ${calls}`;
      },
      { retries, backoff: { type: 'fixed', delayMs: 20 } },
    );
    dag.node('after', (input: string) => `${input}!`);
    dag.edge('flaky', 'after');
  });
  return { service, calls: () => calls };
}

describe('retries', () => {
  it('completes a node that throws twice then succeeds with retries: 2', async () => {
    const { service, calls } = flakyService(2, 2);
    await service.startWorker();
    const id = await service.execute('flaky', 'ok');
    expect(await service.waitForResult('flaky', id)).toBe('ok after 3!');
    expect(calls()).toBe(3);
    const state = await service.state('flaky', id);
    expect(state.nodes['flaky']).toMatchObject({ status: 'completed', attempts: 3 });
  });

  it('fails the request with the error and attempt count when retries run out', async () => {
    const { service, calls } = flakyService(1, 2);
    await service.startWorker();
    const id = await service.execute('flaky', 'ok');
    const error = await service.waitForResult('flaky', id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DagflowError);
    expect(error).toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
      details: { status: 'failed', error: { node: 'flaky', attempts: 2, message: 'boom 2' } },
    });
    expect(calls()).toBe(2);
    const state = await service.state('flaky', id);
    expect(state).toMatchObject({
      status: 'failed',
      error: { node: 'flaky', attempts: 2, message: 'boom 2', name: 'Error' },
      nodes: {
        flaky: { status: 'failed', attempts: 2 },
        after: { status: 'pending', attempts: 0 },
      },
    });
    expect(state.finishedAt).toBeGreaterThan(0);
  });
});

describe('timeouts', () => {
  it('aborts the signal of a node that hangs past timeoutMs and fails it with NODE_TIMEOUT', async () => {
    const service = newService({ prefix: prefixFor() });
    let abortedWith: unknown;
    service.register('hang', (dag) =>
      dag.node(
        'hang',
        (_input, ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              abortedWith = ctx.signal.reason;
              setTimeout(resolve, 10); // the handler ends late; its output must be ignored
            });
          }),
        { timeoutMs: 200 },
      ),
    );
    await service.startWorker();
    const started = Date.now();
    const id = await service.execute('hang', null);
    const error = await service.waitForResult('hang', id).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(abortedWith).toMatchObject({ code: ErrorCode.NODE_TIMEOUT });
    expect(error).toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
      details: { error: { node: 'hang', code: 'NODE_TIMEOUT' } },
    });
    const state = await service.state('hang', id);
    expect(state.nodes['hang']).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'NODE_TIMEOUT' },
    });
  });

  it('retries a timed-out attempt when retries are left', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('slow-once', (dag) =>
      dag.node(
        'n',
        async (_input, ctx) => {
          if (ctx.attempt === 1) await new Promise((resolve) => setTimeout(resolve, 1_000));
          return ctx.attempt;
        },
        { timeoutMs: 100, retries: 1, backoff: { type: 'fixed', delayMs: 10 } },
      ),
    );
    await service.startWorker();
    const id = await service.execute('slow-once', null);
    expect(await service.waitForResult('slow-once', id)).toBe(2);
  });
});

describe('data', () => {
  it('round-trips JSON and binary inputs and outputs through Redis exactly', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('bytes', (dag) => {
      dag.node('wrap', (input: Buffer) => ({ raw: input, size: input.length, text: 'ü€' }));
      dag.node('check', (input: { raw: Buffer; size: number; text: string }) => ({
        ...input,
        isBuffer: Buffer.isBuffer(input.raw),
      }));
      dag.edge('wrap', 'check');
    });
    await service.startWorker();
    const bytes = Buffer.from([0, 255, 1, 128, 10, 13]);
    const id = await service.execute('bytes', bytes);
    const result = (await service.waitForResult('bytes', id)) as {
      raw: Buffer;
      size: number;
      text: string;
      isBuffer: boolean;
    };
    expect(result.isBuffer).toBe(true);
    expect(result.raw.equals(bytes)).toBe(true);
    expect(result).toMatchObject({ size: 6, text: 'ü€' });
  });

  it('answers the result of several terminal nodes as { [nodeId]: output }', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('fork', (dag) => {
      dag.node('root', (n: number) => n);
      dag.node('double', (n: number) => n * 2);
      dag.node('square', (n: number) => n * n);
      dag.edge('root', 'double').edge('root', 'square');
    });
    await service.startWorker();
    const id = await service.execute('fork', 5);
    expect(await service.waitForResult('fork', id)).toEqual({ double: 10, square: 25 });
  });
});

describe('requests', () => {
  it('runs a request once when executed twice with the same id', async () => {
    const service = newService({ prefix: prefixFor() });
    let runs = 0;
    service.register('once', (dag) => dag.node('n', () => ++runs));
    await service.startWorker();
    const [a, b] = await Promise.all([
      service.execute('once', null, { requestId: 'same-id' }),
      service.execute('once', null, { requestId: 'same-id' }),
    ]);
    expect([a, b]).toEqual(['same-id', 'same-id']);
    await service.waitForResult('once', 'same-id');
    await service.execute('once', null, { requestId: 'same-id' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs).toBe(1);
  });

  it('answers clear errors for unknown flows, unknown requests, bad ids and unfinished results', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('idle', (dag) => dag.node('n', () => null));
    await expect(service.execute('nope', null)).rejects.toMatchObject({
      code: ErrorCode.FLOW_NOT_FOUND,
    });
    await expect(service.execute('idle', null, { requestId: 'bad:id' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_REQUEST_ID,
    });
    await expect(service.state('idle', 'missing')).rejects.toMatchObject({
      code: ErrorCode.REQUEST_NOT_FOUND,
    });
    const id = await service.execute('idle', null); // no worker started: it stays pending
    await expect(service.result('idle', id)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_NOT_FINISHED,
    });
    await expect(service.waitForResult('idle', id, { timeoutMs: 100 })).rejects.toMatchObject({
      code: ErrorCode.WAIT_TIMEOUT,
    });
    expect(() => service.register('idle', (dag) => dag.node('n', () => null))).toThrow(
      expect.objectContaining({ code: ErrorCode.FLOW_ALREADY_REGISTERED }) as Error,
    );
  });

  it('closes safely twice and refuses work afterwards', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('c', (dag) => dag.node('n', () => null));
    await service.startWorker();
    await Promise.all([service.close(), service.close()]);
    await service.close();
    await expect(service.execute('c', null)).rejects.toMatchObject({
      code: ErrorCode.SERVICE_CLOSED,
    });
  });
});

describe('retention', () => {
  it('expires completed requests after their retention, keeps failed ones longer, paused ones for the paused retention and running ones forever', async () => {
    const prefix = prefixFor();
    const service = newService({
      prefix,
      retention: { completedMs: 1_500, failedMs: 60_000, pausedMs: 30_000 },
    });
    service.register('kept', (dag) => {
      dag.node('n', (fail: boolean) => {
        if (fail) throw new Error('no');
        return 'ok';
      });
    });
    const paused = await service.execute('kept', false);
    await service.pause('kept', paused); // before any worker runs it: it never finishes
    await service.startWorker();
    const done = await service.execute('kept', false);
    const failed = await service.execute('kept', true);
    await service.waitForResult('kept', done);
    await service.waitForResult('kept', failed).catch(() => undefined);
    const { Redis } = await import('ioredis');
    const redis = new Redis(inject('redisUrl'));
    const ttl = (id: string) => redis.pttl(`${prefix}:r:{kept/${id}}:state`);
    expect(await ttl(failed)).toBeGreaterThan(50_000);
    await waitFor(async () => (await ttl(done)) === -2, { timeoutMs: 5_000 });
    await expect(service.state('kept', done)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_NOT_FOUND,
    });
    expect(await ttl(paused)).toBeGreaterThan(20_000);
    expect(await ttl(paused)).toBeLessThanOrEqual(30_000);
    expect((await service.state('kept', paused)).status).toBe('paused');
    await service.resume('kept', paused);
    expect(await service.waitForResult('kept', paused)).toBe('ok');
    await redis.quit();
  });
});
