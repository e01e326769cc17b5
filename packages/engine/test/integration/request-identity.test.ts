import { DagflowError, ErrorCode, type FlowService } from '@dagflow/engine';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { ReplyCode } from '../../src/format/reply-codes.js';
import { defineScripts, runScript } from '../../src/store/scripts/scripts.js';
import { createRequestsArgs } from '../../src/store/scripts/new-request-args.js';
import { RequestField } from '../../src/format/layout.js';
import { childRequestId } from '../../src/format/request-ids.js';
import { newService, prefixFor } from './helpers.js';

const redises: Redis[] = [];
afterEach(async () => {
  await Promise.all(redises.splice(0).map((redis) => redis.quit()));
});

function redis(): Redis {
  const client = new Redis(inject('redisUrl'));
  redises.push(client);
  return client;
}

/** The code of the error `promise` rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return error instanceof DagflowError
    ? error.code
    : `resolved or not a DagflowError: ${String(error)}`;
}

/** The example: `checkout` pays through a child request of `payments`. */
function payments(prefix = prefixFor()): { service: FlowService; prefix: string } {
  const service = newService({ prefix });
  service.register('payments', (dag) =>
    dag.node('pay', (order: { amount: number; to: string }) => ({ ...order, paid: true })),
  );
  service.register('checkout', (dag) =>
    dag.flow('pay', 'payments', {
      input: (total: number) => ({ amount: total, to: 'shop' }),
    }),
  );
  return { service, prefix };
}

const forged = { amount: 999_999, to: 'mallory' };

/** A parent link (an internal execute option) naming another request's node. */
const elsewhere = { flow: 'checkout', requestId: 'someone-else', node: 'pay' };

describe('request ids as idempotency keys', () => {
  it('answer the existing request for the same input and refuse another input', async () => {
    const { service } = payments();
    await service.startWorker();
    const order = { amount: 5, to: 'shop' };
    expect(await service.execute('payments', order, { requestId: 'order-1' })).toBe('order-1');
    expect(await service.execute('payments', { ...order }, { requestId: 'order-1' })).toBe(
      'order-1',
    );
    expect(await codeOf(service.execute('payments', forged, { requestId: 'order-1' }))).toBe(
      ErrorCode.IDEMPOTENCY_KEY_REUSED,
    );
    expect(await service.waitForResult('payments', 'order-1')).toEqual({ ...order, paid: true });
  });

  it('accept any input for a request stored without a fingerprint (created before T3-2)', async () => {
    const { service, prefix } = payments();
    await service.execute('payments', { amount: 1, to: 'a' }, { requestId: 'old' });
    const { state } = new Keys(prefix).request('payments', 'old');
    await redis().hdel(state, RequestField.fingerprint);
    expect(await service.execute('payments', forged, { requestId: 'old' })).toBe('old');
  });

  it('leave debounced requests free to change their input', async () => {
    const { service } = payments();
    const debounce = { key: 'cart-9', ms: 60_000 };
    const id = await service.execute('payments', { amount: 1, to: 'a' }, { debounce });
    expect(await service.execute('payments', { amount: 2, to: 'a' }, { debounce })).toBe(id);
    expect(await service.execute('payments', { amount: 3, to: 'a' }, { requestId: id })).toBe(id);
  });
});

describe('child requests', () => {
  it('cannot be created first by a caller: child ids are refused in X-Request-Id', async () => {
    const { service } = payments();
    await service.startWorker();
    for (const form of ['tilde', 'legacy'] as const) {
      const child = childRequestId('order-7', 'pay', form);
      expect(await codeOf(service.execute('payments', forged, { requestId: child }))).toBe(
        ErrorCode.INVALID_REQUEST_ID,
      );
    }
    await service.execute('checkout', 20, { requestId: 'order-7' });
    expect(await service.waitForResult('checkout', 'order-7')).toEqual({
      amount: 20,
      to: 'shop',
      paid: true,
    });
    const state = await service.state('checkout', 'order-7');
    expect(state.nodes['pay']?.child?.requestId).toBe(childRequestId('order-7', 'pay'));
  });

  it('are adopted only when they name their parent node: a foreign one fails the node', async () => {
    const { service } = payments();
    const child = childRequestId('order-8', 'pay');
    // Not possible through execute's public options: stands for data written by other means.
    const foreign = { requestId: child, parent: { ...elsewhere } };
    await service.execute('payments', forged, foreign);
    await service.startWorker();
    await service.execute('checkout', 20, { requestId: 'order-8' });
    expect(await codeOf(service.waitForResult('checkout', 'order-8'))).toBe(
      ErrorCode.REQUEST_FAILED,
    );
    const pay = (await service.state('checkout', 'order-8')).nodes['pay'];
    expect(pay?.error?.code).toBe(ErrorCode.CHILD_FLOW_FAILED);
    expect(pay?.error?.message).toContain('not adopted');
    expect((await service.state('payments', child)).parent?.requestId).toBe('someone-else');
  });

  it('of a parent created before T3-2 keep their old ids, and only its own are adopted', async () => {
    const { service, prefix } = payments();
    const keys = new Keys(prefix);
    // Two parents as an older version created them (no fingerprint field): one finds a foreign child.
    for (const id of ['old-1', 'old-2']) {
      await service.execute('checkout', 20, { requestId: id });
      await redis().hdel(keys.request('checkout', id).state, RequestField.fingerprint);
    }
    const legacy = childRequestId('old-2', 'pay', 'legacy');
    const foreign = { requestId: legacy, parent: { ...elsewhere } };
    await service.execute('payments', forged, foreign);
    await service.startWorker();
    expect(await service.waitForResult('checkout', 'old-1')).toEqual({
      amount: 20,
      to: 'shop',
      paid: true,
    });
    const state = await service.state('checkout', 'old-1');
    expect(state.nodes['pay']?.child?.requestId).toBe(childRequestId('old-1', 'pay', 'legacy'));
    expect(await codeOf(service.waitForResult('checkout', 'old-2'))).toBe(ErrorCode.REQUEST_FAILED);
    expect((await service.state('checkout', 'old-2')).nodes['pay']?.error?.code).toBe(
      ErrorCode.CHILD_FLOW_FAILED,
    );
  });

  it('of a new parent started by an older worker (a rolling deploy) under the old id are adopted when their own; a foreign one is passed over', async () => {
    const { service } = payments();
    // As a worker from before T3-2 starts the child of a new parent's node: under the old id form.
    const own = childRequestId('mixed-1', 'pay', 'legacy');
    const link = { flow: 'checkout', requestId: 'mixed-1', node: 'pay' };
    const started = { requestId: own, parent: link };
    await service.execute('payments', { amount: 31, to: 'shop' }, started);
    const foreign = childRequestId('mixed-2', 'pay', 'legacy');
    const planted = { requestId: foreign, parent: { ...elsewhere } };
    await service.execute('payments', forged, planted);
    await service.execute('checkout', 20, { requestId: 'mixed-1' });
    await service.execute('checkout', 20, { requestId: 'mixed-2' });
    await service.startWorker();
    expect(await service.waitForResult('checkout', 'mixed-1')).toEqual({
      amount: 31,
      to: 'shop',
      paid: true,
    });
    expect((await service.state('checkout', 'mixed-1')).nodes['pay']?.status).toBe('completed');
    expect(await service.waitForResult('checkout', 'mixed-2')).toEqual({
      amount: 20,
      to: 'shop',
      paid: true,
    });
    await expect(service.state('payments', childRequestId('mixed-1', 'pay'))).rejects.toMatchObject(
      {
        code: ErrorCode.REQUEST_NOT_FOUND,
      },
    );
  });
});

describe('createRequests', () => {
  it('checks an existing request against the call in the same step: input, or parent link', async () => {
    const client = redis();
    defineScripts(client);
    const { state, data } = new Keys(prefixFor()).request('payments', 'r');
    const create = (input: string, parent: string, fingerprint: string) =>
      runScript(
        client,
        'createRequests',
        [state, data],
        createRequestsArgs(1, 'test-events', [
          { input, version: 'v1', message: 'payments/r', parent, fingerprint },
        ]),
      );
    const link = JSON.stringify({ flow: 'checkout', requestId: 'p', node: 'pay' });
    const other = JSON.stringify({ flow: 'checkout', requestId: 'q', node: 'pay' });
    expect(await create('1', link, 'fp-1')).toEqual([ReplyCode.CREATED]);
    expect(await create('1', link, 'fp-1')).toEqual(['pending']);
    expect(await create('2', link, 'fp-2')).toEqual(['pending']); // its parent: any input
    expect(await create('1', other, 'fp-1')).toEqual([ReplyCode.FOREIGN_CHILD]);
    expect(await create('1', '', 'fp-1')).toEqual(['pending']);
    expect(await create('2', '', 'fp-2')).toEqual([ReplyCode.INPUT_MISMATCH]);
    expect(await create('2', '', '')).toEqual(['pending']); // a call with no fingerprint (debounce)
    expect(await client.hget(data, 'in')).toBe('1');
  });
});
