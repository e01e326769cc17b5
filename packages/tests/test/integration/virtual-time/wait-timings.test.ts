import type { Dag } from '@dagflow/engine';
import type { TestEnv } from '@dagflow/testing';
import { describe, expect, it } from 'vitest';
import { kitEnv, nodeStatus } from './kit-env.js';

/** The flows of the waiting nodes: a signal, a sleep, a child flow that waits for a signal. */
async function setUp(): Promise<TestEnv> {
  const env = await kitEnv({ service: { workerConcurrency: 1 } });
  env.service.register('approval', (dag: Dag) => {
    dag.node('start', (input: unknown) => input);
    dag.signal('approve');
    dag.node('done', (payload: unknown) => ({ approved: payload }));
    dag.edge('start', 'approve').edge('approve', 'done');
  });
  env.service.register('napping', (dag: Dag) => {
    dag.node('a', () => 'a');
    dag.sleep('nap', 800_000);
    dag.node('b', (a: string) => `${a}b`);
    dag.edge('a', 'nap').edge('nap', 'b');
  });
  env.service.register('child-waits', (dag: Dag) => {
    dag.signal('hold');
    dag.node('out', (payload: unknown) => ({ held: payload }));
    dag.edge('hold', 'out');
  });
  env.service.register('parent-waits', (dag: Dag) => dag.flow('sub', 'child-waits'));
  return env;
}

/** The state of one node of a finished request: its attempts and how long it took. */
async function timing(env: TestEnv, flow: string, id: string, node: string) {
  const state = (await env.service.state(flow, id)).nodes[node];
  return {
    status: state?.status,
    attempts: state?.attempts,
    tookMs: (state?.finishedAt ?? 0) - (state?.startedAt ?? 0),
  };
}

describe('a node that waits', () => {
  it('a signal node: one attempt, timed from when it began waiting to the delivery', async () => {
    const env = await setUp();
    const { requestId: id } = await env.run('approval', 1);
    expect(await nodeStatus(env, 'approval', id, 'approve')).toBe('waiting');
    await env.advance(400_000);
    await env.signal('approval', id, 'approve', 'ok');
    expect((await env.outcome('approval', id)).result).toEqual({ approved: 'ok' });
    expect(await timing(env, 'approval', id, 'approve')).toEqual({
      status: 'completed',
      attempts: 1,
      tookMs: 400_000,
    });
  });

  it('a sleep node: one attempt, timed from when it began sleeping', async () => {
    const env = await setUp();
    const { requestId: id } = await env.run('napping', null);
    await env.advance(800_000);
    expect((await env.outcome('napping', id)).result).toBe('ab');
    expect(await timing(env, 'napping', id, 'nap')).toEqual({
      status: 'completed',
      attempts: 1,
      tookMs: 800_000,
    });
  });

  it('a child-flow node: one attempt, timed from the child start to its end', async () => {
    const env = await setUp();
    const { requestId: id } = await env.run('parent-waits', null);
    const child = (await env.service.state('parent-waits', id)).nodes['sub']?.child;
    expect(child).toBeDefined();
    expect(await nodeStatus(env, child!.flow, child!.requestId, 'hold')).toBe('waiting');
    await env.advance(400_000);
    await env.signal('child-waits', child!.requestId, 'hold', 'go');
    expect((await env.outcome('parent-waits', id)).status).toBe('completed');
    expect(await timing(env, 'parent-waits', id, 'sub')).toEqual({
      status: 'completed',
      attempts: 1,
      tookMs: 400_000,
    });
  });
});
