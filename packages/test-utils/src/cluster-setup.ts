import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { startRedisCluster } from './redis-cluster.js';

/**
 * Vitest global setup of the `cluster` project: a private 3-master Redis Cluster for the run. Tests
 * get its seeds as `inject('redisClusterNodes')` (and `redisUrl`, one master's URL, for code that
 * takes a URL). Tests pass them on explicitly: `testRedisOptions()` to services, `testRedisEnv()`
 * (`REDIS_CLUSTER_NODES`) to worker processes.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster({ masters: 3 });
  const [first] = cluster.nodes;
  project.provide('redisUrl', `redis://${first?.host}:${first?.port}`);
  project.provide('redisClusterNodes', cluster.seeds);
  return () => cluster.stop();
}
