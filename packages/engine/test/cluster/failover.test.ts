import { type RedisCluster, startRedisCluster, waitFor } from '@dagflow/test-utils';
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
  const count = counters(inject('redisUrl'), prefix);
  const client = newService({ prefix, redisCluster: { nodes }, partitions: 3 });
  registerTestFlows(client, count);
  await Promise.all([spawnWorker(prefix, env), spawnWorker(prefix, env)]);
  const before = await cluster.masters();
  const victim = before[1]?.port ?? 0;

  const ids = await Promise.all(
    Array.from({ length: 300 }, (_, i) => client.execute('diamond', i)),
  );
  const results = ids.map((id) => client.waitForResult('diamond', id, { timeoutMs: 100_000 }));
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
