import type { Dag } from '@dagflow/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../src/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** submit -> approve (a signal, a day at most; refused when none comes) -> cool-off (an hour) -> pay. */
function approval(dag: Dag): void {
  dag.node('submit', (order: { amount: number }) => ({ ...order, submitted: true }));
  dag.signal('approve', {
    timeoutMs: DAY,
    fallback: () => ({ approved: false, by: 'timeout' }),
  });
  dag.sleep('cool-off', HOUR);
  dag.node('pay', (decision: { approved: boolean }) => (decision.approved ? 'paid' : 'refused'));
  dag.edge('submit', 'approve');
  dag.edge('approve', 'cool-off');
  dag.edge('cool-off', 'pay');
}

let env: TestEnv;
beforeEach(async () => {
  env = await createTestEnv();
  env.service.register('approval', approval);
});
afterEach(() => env.close());

describe('a flow that waits for a signal, then sleeps', () => {
  it('pays an hour after the approval comes', async () => {
    const wall = Date.now();
    const started = await env.run('approval', { amount: 40 });
    expect(started.status).toBe('running');
    expect(started.nodes['approve']?.status).toBe('waiting');

    await env.advance(2 * HOUR);
    await env.signal('approval', started.requestId, 'approve', { approved: true, by: 'ann' });
    const cooling = await env.outcome('approval', started.requestId);
    expect(cooling.nodes['approve']?.output).toEqual({ approved: true, by: 'ann' });
    expect(cooling.nodes['pay']?.status).toBe('pending');

    await env.advance(HOUR - 1);
    expect((await env.outcome('approval', started.requestId)).status).toBe('running');
    await env.advance(1);
    const done = await env.outcome('approval', started.requestId);
    expect(done.status).toBe('completed');
    expect(done.result).toBe('paid');
    expect(done.nodes['cool-off']?.durationMs).toBeGreaterThanOrEqual(HOUR);
    expect(done.nodes['submit']?.input).toEqual({ amount: 40 });
    expect(Date.now() - wall).toBeLessThan(1_000);
  });

  it('runs the fallback when no approval comes within a day', async () => {
    const wall = Date.now();
    const { requestId } = await env.run('approval', { amount: 40 });
    await env.advance(DAY - 1);
    expect((await env.outcome('approval', requestId)).nodes['approve']?.status).toBe('waiting');
    await env.advance(1 + HOUR);
    const done = await env.outcome('approval', requestId);
    expect(done.status).toBe('completed');
    expect(done.nodes['approve']?.output).toEqual({ approved: false, by: 'timeout' });
    expect(done.result).toBe('refused');
    expect(done.state.finishedAt! - done.state.createdAt).toBeGreaterThanOrEqual(DAY + HOUR);
    expect(Date.now() - wall).toBeLessThan(1_000);
  });
});
