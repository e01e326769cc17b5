import { type RedisCluster, startRedisCluster, waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { counters, registerTestFlows } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from '../integration/helpers.js';

// Its own cluster, with a replica per master: the run's shared cluster must survive this test.
let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 2_000 });
});
afterAll(async () => cluster.stop());

it('goes on when a master dies: its replica takes over and all 300 requests complete', async () => {
  const prefix = prefixFor();
  const env = { REDIS_CLUSTER_NODES: cluster.seeds, DAGFLOW_PARTITIONS: '3' };
  const nodes = cluster.nodes.map(({ host, port }) => ({ host, port }));
  const count = counters(inject('redisUrl'), prefix, inject('redisClusterNodes'));
  const client = newService({ prefix, redisCluster: { nodes }, partitions: 3 });
  registerTestFlows(client, count);
  await Promise.all([spawnWorker(prefix, env), spawnWorker(prefix, env)]);
  const before = await cluster.masters();
  const victim = before[1]?.port ?? 0;

  const ids = await Promise.all(
    Array.from({ length: 300 }, (_, i) => client.execute('diamond', i)),
  );
  const results = ids.map((id) => client.waitForResult('diamond', id, { timeoutMs: 100_000 }));
  // Replication is asynchronous: a master killed before its replica has a request's creation loses it
  // (Redis acknowledges writes before replicating them; docs/scaling.md). Kill once the replica caught
  // up with what the master had when the requests were created, so that the test is about taking over
  // the requests in flight, not about Redis losing acknowledged writes (1 run in 3 lost some before).
  await replicated(victim);
  await cluster.kill(victim);
  await waitFor(
    async () => {
      const masters = await cluster.masters();
      return masters.length === 3 && masters.every(({ port }) => port !== victim);
    },
    { timeoutMs: 30_000, message: 'no replica took over the killed master' },
  );

  const outputs = await Promise.all(results);
  outputs.forEach((output, i) =>
    expect(output).toEqual({ joined: { B: (i + 1) * 2, C: (i + 1) * 3 } }),
  );
  await count.close();
});

/** Waits until the replica of the master on `port` has received everything the master has now. */
async function replicated(port: number): Promise<void> {
  const master = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    const info = await master.info('replication');
    const target = Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? 0);
    await waitFor(
      async () => {
        const now = await master.info('replication');
        const offset = Number(/slave0:[^\n]*offset=(\d+)/.exec(now)?.[1] ?? -1);
        return offset >= target;
      },
      { timeoutMs: 10_000, message: 'the replica did not catch up with its master' },
    );
  } finally {
    master.disconnect();
  }
}
