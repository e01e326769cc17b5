import { DagflowError, type Dag, ErrorCode, NonRetryableError } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import type { TestEnv } from '@dagflow/testing';
import { describe, expect, it } from 'vitest';
import { jobCounts, kitEnv, nodeStatus } from './kit-env.js';

/** A promise the test resolves: a handler that waits on it runs exactly as long as the test wants. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** The signal flows; 'start' of 'approval' and 'boom' of 'patient-fails' wait for their gate. */
async function setUp(gates = { start: Promise.resolve(), boom: Promise.resolve() }) {
  const env = await kitEnv({ service: { workerConcurrency: 2 } });
  env.service.register('approval', (dag: Dag) => {
    dag.node('start', async (input: unknown) => gates.start.then(() => input));
    dag.signal('approve');
    dag.node('done', (payload: unknown) => ({ approved: payload }));
    dag.edge('start', 'approve').edge('approve', 'done');
  });
  env.service.register('timed', (dag: Dag) => {
    dag.signal('approve', { timeoutMs: 600_000 });
    dag.node('done', (payload: unknown) => ({ approved: payload }));
    dag.edge('approve', 'done');
  });
  env.service.register('patient-fails', (dag: Dag) => {
    dag.signal('approve', { timeoutMs: 60_000 });
    dag.node('boom', async () => {
      await gates.boom;
      throw new NonRetryableError('boom');
    });
  });
  return env;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof DagflowError ? error.code : String(error)),
  );
}

async function resultOf(env: TestEnv, flow: string, id: string): Promise<unknown> {
  return (await env.outcome(flow, id)).result;
}

describe('signal nodes', () => {
  it('keeps a signal delivered before the node is reached, and refuses a second one', async () => {
    const start = gate();
    const env = await setUp({ start: start.opened, boom: Promise.resolve() });
    const id = await env.service.execute('approval', 'x');
    await env.service.signal('approval', id, 'approve', 'early');
    expect(await nodeStatus(env, 'approval', id, 'approve')).toBe('pending');
    expect(await codeOf(env.service.signal('approval', id, 'approve', 'again'))).toBe(
      ErrorCode.SIGNAL_ALREADY_DELIVERED,
    );
    start.open();
    await env.runUntilIdle();
    expect(await resultOf(env, 'approval', id)).toEqual({ approved: 'early' });
    expect(await codeOf(env.service.signal('approval', id, 'approve', 'late'))).toBe(
      ErrorCode.SIGNAL_ALREADY_DELIVERED,
    );
    expect(await codeOf(env.service.signal('approval', id, 'start', 'x'))).toBe(
      ErrorCode.SIGNAL_NOT_FOUND,
    );
    expect(await codeOf(env.service.signal('approval', 'no-such-request', 'approve', 'x'))).toBe(
      ErrorCode.REQUEST_NOT_FOUND,
    );
  });

  it('fails the node with SIGNAL_TIMEOUT when no signal comes in time; a late signal changes nothing', async () => {
    const env = await setUp();
    const { requestId: id } = await env.run('timed', null);
    await env.advance(599_999);
    expect(await nodeStatus(env, 'timed', id, 'approve')).toBe('waiting');
    await env.advance(1);
    expect(await codeOf(env.service.waitForResult('timed', id))).toBe(ErrorCode.REQUEST_FAILED);
    const state = await env.service.state('timed', id);
    expect(state.nodes['approve']?.status).toBe('failed');
    expect(state.nodes['approve']?.error?.code).toBe(ErrorCode.SIGNAL_TIMEOUT);
    expect(state.nodes['done']?.status).toBe('pending');

    await env.signal('timed', id, 'approve', 'too late');
    expect((await env.service.state('timed', id)).status).toBe('failed');
    // A rerun uses the signal that came after the timeout.
    await env.service.rerun('timed', id);
    await env.runUntilIdle();
    expect(await resultOf(env, 'timed', id)).toEqual({ approved: 'too late' });
  });

  it('holds a signal delivered while paused until resume', async () => {
    const env = await setUp();
    const { requestId: id } = await env.run('approval', 1);
    expect(await nodeStatus(env, 'approval', id, 'approve')).toBe('waiting');
    await env.service.pause('approval', id);
    await env.signal('approval', id, 'approve', 'while paused');
    await env.advance(3_600_000);
    expect(await nodeStatus(env, 'approval', id, 'done')).toBe('pending');
    await env.service.resume('approval', id);
    await env.runUntilIdle();
    expect(await resultOf(env, 'approval', id)).toEqual({ approved: 'while paused' });
  });

  it("takes the signal's timeout job off the queue when the request fails", async () => {
    const boom = gate();
    const env = await setUp({ start: Promise.resolve(), boom: boom.opened });
    const id = await env.service.execute('patient-fails', null);
    // 'boom' runs until its gate opens (so the queues are not idle): wait for the parked signal.
    await waitFor(
      async () =>
        (await nodeStatus(env, 'patient-fails', id, 'approve')) === 'waiting' &&
        (await jobCounts(env, 'patient-fails', 'delayed')).delayed === 1,
      { message: 'the signal node should wait, its timeout one delayed job' },
    );
    boom.open();
    await env.runUntilIdle();
    expect(await codeOf(env.service.waitForResult('patient-fails', id))).toBe(
      ErrorCode.REQUEST_FAILED,
    );
    expect(await jobCounts(env, 'patient-fails', 'delayed')).toEqual({ delayed: 0 });
  });
});
