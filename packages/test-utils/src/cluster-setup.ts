import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { startRedisCluster } from './redis-cluster.js';

/**
 * Vitest global setup of the `cluster` project: a private 3-master Redis Cluster for the run. Tests
 * get its seeds as `inject('redisClusterNodes')` (and `redisUrl`, one master's URL, for code that
 * takes a URL); `cluster-env.ts` puts them in `REDIS_CLUSTER_NODES`, so every service and worker
 * process of the test connects to the cluster.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster({ masters: 3 });
  const [first] = cluster.nodes;
  project.provide('redisUrl', `redis://${first?.host}:${first?.port}`);
  project.provide('redisClusterNodes', cluster.seeds);
  return () => cluster.stop();
}
