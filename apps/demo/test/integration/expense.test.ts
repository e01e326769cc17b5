// How a user tests flows with @dagflow/testing: the demo's expense flow, its hour-long signal timeout
// and its cool-off skipped, the slow payment steps stubbed.
import { createTestEnv, type TestEnv } from '@dagflow/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expense, payments } from '../../src/flows.js';

let env: TestEnv;
beforeEach(async () => {
  env = await createTestEnv();
  env.service.register('expense', expense);
  env.service.register('payments', payments);
  // The real steps take 1.5 s each; the test's stubs answer at once.
  env.mock('payments', 'charge', (approval: unknown) => ({ charged: approval }));
  env.mock('payments', 'receipt', (charged: unknown) => ({ receipt: 'r-test', charged }));
});
afterEach(() => env.close());

describe('the demo expense flow', () => {
  it('pays through the payments child flow once approved and cooled off', async () => {
    const { requestId, nodes } = await env.run('expense', 40);
    expect(nodes['approve']?.status).toBe('waiting');
    await env.signal('expense', requestId, 'approve', { by: 'ana' });
    await env.advance(2_000); // the cool-off
    const done = await env.outcome('expense', requestId);
    expect(done.status).toBe('completed');
    expect(done.result).toEqual({
      notified: true,
      paid: { receipt: 'r-test', charged: { charged: { by: 'ana' } } },
    });
  });

  it('fails with SIGNAL_TIMEOUT when nobody approves within the hour', async () => {
    const { requestId } = await env.run('expense', 40);
    await env.advance(3_600_000);
    const failed = await env.outcome('expense', requestId);
    expect(failed.status).toBe('failed');
    expect(failed.nodes['approve']?.error?.code).toBe('SIGNAL_TIMEOUT');
  });
});
