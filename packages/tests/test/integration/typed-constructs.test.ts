import { FlowClient, type FlowResult, type FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { describe, expect, inject, it } from 'vitest';
import { type checkout, registerConstructFlows } from '../fixtures/typed-constructs.mjs';
import {
  closedAfterTest,
  errorOf,
  newService,
  prefixFor,
  spawnTypedWorker,
} from './typed-helpers.js';

/** What the flow's types say a receipt is, spelled out: the assignments below check it. */
interface Receipt {
  lines: Record<string, number>;
  discount: { vip: number } | { cart: unknown; total: number };
  amount: number;
  tax: number;
  approvedBy: string;
}

async function untilWaiting(service: FlowService, id: string): Promise<void> {
  await waitFor(
    async () => (await service.state('checkout', id)).nodes['approve']?.status === 'waiting',
  );
}

describe('a typed flow with every construct, end to end', () => {
  it('delivers what its types say: item map, sub-DAG result, branch or passed-through input, child result, payload, sleep', async () => {
    const prefix = prefixFor();
    await spawnTypedWorker(prefix);
    const service = newService(prefix);
    const flows = registerConstructFlows(service);
    const items = [
      { sku: 'apple' as const, qty: 3 },
      { sku: 'fig' as const, qty: 2 },
    ];
    const vip = await flows.checkout.execute({ items, vip: true });
    const plain = await flows.checkout.execute({ items, vip: false });
    await untilWaiting(service, vip);
    await untilWaiting(service, plain);
    await service.signal('checkout', vip, 'approve', { by: 'ana' });
    await service.signal('checkout', plain, 'approve', { by: 'bo' });

    const vipReceipt: Receipt = await flows.checkout.waitForResult(vip, { timeoutMs: 20_000 });
    const plainReceipt: FlowResult<typeof checkout> = await flows.checkout.waitForResult(plain, {
      timeoutMs: 20_000,
    });
    // For-each: { [itemKey]: body result }; sub-DAG: its terminal's output (330 rounds to 330).
    const lines = { apple: 90, fig: 240 };
    expect(vipReceipt).toEqual({
      lines,
      // The branch ran: { [key]: branch result }.
      discount: { vip: 230 },
      amount: 230,
      tax: 46,
      // The payload schema's transform ran in the worker; the sleep passed the payload through.
      approvedBy: 'ANA',
    });
    expect(plainReceipt).toEqual({
      lines,
      // No key picked: the branch vertex passed its (join) input through.
      discount: { cart: { items, vip: false }, total: 330 },
      amount: 330,
      tax: 66,
      approvedBy: 'BO',
    });
    expect((await service.state('checkout', vip)).nodes['tax']?.status).toBe('completed');
  });

  it("checks a signal's payload against its schema: refused where the flow is registered, failing the node where it was not checked", async () => {
    const prefix = prefixFor();
    await spawnTypedWorker(prefix);
    const service = newService(prefix);
    const { checkout } = registerConstructFlows(service);
    const id = await checkout.execute({ items: [], vip: false });
    await untilWaiting(service, id);
    const refused = await errorOf(service.signal('checkout', id, 'approve', { by: '' }));
    expect(refused.code).toBe('INVALID_INPUT');
    expect(refused.details?.['issues']).toMatchObject([{ path: ['by'] }]);
    expect((await service.state('checkout', id)).nodes['approve']?.status).toBe('waiting');

    // A client that registered nothing cannot check it: the worker does, and the node fails.
    const client = closedAfterTest(
      new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' }),
    );
    await client.signal('checkout', id, 'approve', { by: 42 });
    const failed = await errorOf(checkout.waitForResult(id, { timeoutMs: 20_000 }));
    expect(failed.code).toBe('REQUEST_FAILED');
    const approve = (await checkout.state(id)).nodes['approve'];
    expect(approve?.status).toBe('failed');
    expect(approve?.error?.code).toBe('OUTPUT_SCHEMA_MISMATCH');
  });
});
