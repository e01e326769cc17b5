import type { Dag } from '@dagflow/engine';
import { describe, expect, it } from 'vitest';
import { jobCounts, kitEnv, nodeStatus } from './kit-env.js';

/** a -> nap (sleep 800 s) -> b, and a quick flow beside it; one worker slot. */
async function napping() {
  const env = await kitEnv({ service: { workerConcurrency: 1 } });
  env.service.register('napping', (dag: Dag) => {
    dag.node('a', () => 'a');
    dag.sleep('nap', 800_000);
    dag.node('b', (a: string) => `${a}b`);
    dag.edge('a', 'nap').edge('nap', 'b');
  });
  env.service.register('quick', (dag: Dag) => dag.node('work', (n: number) => n * 2));
  return env;
}

describe('sleep', () => {
  it('starts the successor after the delay, holding no active job meanwhile', async () => {
    const env = await napping();
    const { requestId: id, nodes } = await env.run('napping', null);
    expect(nodes['a']?.status).toBe('completed');
    // Node a's job ended with its completion; only the nap's delayed job is left.
    expect(await jobCounts(env, 'napping', 'active', 'delayed')).toEqual({ active: 0, delayed: 1 });
    // The one worker slot is free during the nap.
    expect((await env.run('quick', 4)).result).toBe(8);
    await env.advance(799_999);
    expect(await nodeStatus(env, 'napping', id, 'b')).toBe('pending');
    await env.advance(1);
    const done = await env.outcome('napping', id);
    expect(done.result).toBe('ab');
    expect(done.nodes['b']!.startedAt! - done.nodes['a']!.finishedAt!).toBeGreaterThanOrEqual(
      800_000,
    );
  });

  it('is taken off the queue by a stop, and sleeps again after a rerun', async () => {
    const env = await napping();
    const { requestId: id } = await env.run('napping', null);
    expect(await jobCounts(env, 'napping', 'delayed')).toEqual({ delayed: 1 });
    await env.service.stop('napping', id);
    expect(await jobCounts(env, 'napping', 'delayed', 'waiting', 'active')).toEqual({
      delayed: 0,
      waiting: 0,
      active: 0,
    });
    await env.advance(36_000_000);
    expect(await nodeStatus(env, 'napping', id, 'b')).toBe('pending');

    const rerunAt = env.now();
    await env.service.rerun('napping', id);
    await env.advance(799_999);
    expect(await nodeStatus(env, 'napping', id, 'b')).not.toBe('completed');
    await env.advance(1);
    const done = await env.outcome('napping', id);
    expect(done.result).toBe('ab');
    expect(done.nodes['b']!.startedAt! - rerunAt).toBeGreaterThanOrEqual(800_000);
  });
});
