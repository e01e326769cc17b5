import { type Dag, type FlowService } from '@dagflow/engine';
import { commandCalls, waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const echo = (x: unknown): unknown => x;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function order(withC: boolean) {
  return (dag: Dag): void => {
    dag.node('A', echo).signal('approve').node('B', echo).edge('A', 'approve').edge('approve', 'B');
    if (withC) dag.node('C', echo).edge('B', 'C');
  };
}

/** A counter's value summed over its labels, from a service's metrics. */
async function counter(service: FlowService, name: string): Promise<number> {
  return (await service.metrics())
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('giving back a job this process has no code for', () => {
  it('costs a bounded number of Redis commands, no attempt, and backs off', async () => {
    const prefix = prefixFor();
    const port = Number(new URL(inject('redisUrl')).port);
    const redis = new Redis(inject('redisUrl'));
    const v1 = newService({ prefix });
    v1.register('order', order(true), { revision: 1 });
    await v1.startWorker();
    const ids = await Promise.all(Array.from({ length: 50 }, (_, n) => v1.execute('order', n)));
    await waitFor(async () =>
      (await Promise.all(ids.map((id) => v1.state('order', id)))).every(
        (s) => s.nodes['approve']?.status === 'waiting',
      ),
    );
    await v1.close();
    const v2 = newService({ prefix });
    v2.register('order', order(false), { revision: 2 });
    await v2.startWorker();
    // A worker with C's code is announced (busy elsewhere: it takes nothing): jobs are routed back.
    const capable = `${prefix}:capable:{order}`;
    await redis.hset(capable, 'elsewhere', `${Date.now() + 60_000} ["C"]`);
    await Promise.all(ids.map((id, i) => v2.signal('order', id, 'approve', i)));
    await waitFor(async () => (await counter(v2, 'dagflow_step_give_backs_total')) >= ids.length);

    const window = async (ms: number) => {
      const [calls, backs] = [
        await commandCalls(port),
        await counter(v2, 'dagflow_step_give_backs_total'),
      ];
      await sleep(ms);
      const given = (await counter(v2, 'dagflow_step_give_backs_total')) - backs;
      return { given, perGiveBack: ((await commandCalls(port)) - calls) / given };
    };
    const routed = await window(3_000);
    // Back-off: 50 ms doubled up to 1 s per job, so 50 jobs give back at most ~50/s once it has grown.
    expect(routed.given).toBeLessThan(ids.length * 8);
    expect(routed.perGiveBack).toBeLessThan(40);

    await redis.hdel(capable, 'elsewhere');
    await waitFor(async () => (await counter(v2, 'dagflow_step_unavailable_total')) >= ids.length, {
      timeoutMs: 10_000,
    });
    const unavailable = await window(6_000);
    expect(unavailable.given).toBeLessThanOrEqual(ids.length * 3);
    expect(unavailable.perGiveBack).toBeLessThan(50);
    const state = await v2.state('order', ids[0] ?? '');
    expect(state.status).toBe('running');
    expect(state.nodes['C']).toMatchObject({
      status: 'waiting',
      attempts: 0,
      reason: 'STEP_UNAVAILABLE',
    });
    console.log(
      `give-back: routed ${routed.given} in 3 s (${routed.perGiveBack.toFixed(1)} commands each), unavailable ${unavailable.given} in 6 s (${unavailable.perGiveBack.toFixed(1)} commands each), ${ids.length} jobs`,
    );
    redis.disconnect();
  });
});
