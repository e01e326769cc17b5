import { inject } from 'vitest';
import './provided-context.js';

/**
 * The Redis of the running project as service options: the private Redis Cluster's seeds in the
 * `cluster` project, else the private Redis's URL. Tests pass it explicitly (an explicit `redisUrl`
 * wins over `REDIS_CLUSTER_NODES`, so nothing is left to the environment).
 */
export function testRedisOptions(): { redisUrl: string } | { redisCluster: { nodes: string[] } } {
  const seeds = inject('redisClusterNodes');
  return seeds === undefined || seeds === ''
    ? { redisUrl: inject('redisUrl') }
    : { redisCluster: { nodes: seeds.split(',') } };
}

/**
 * The Redis of the running project as environment variables for a child process: `REDIS_URL`, plus
 * `REDIS_CLUSTER_NODES` (which wins over it) in the `cluster` project.
 */
export function testRedisEnv(): Record<string, string> {
  const seeds = inject('redisClusterNodes');
  return {
    REDIS_URL: inject('redisUrl'),
    ...(seeds === undefined || seeds === '' ? {} : { REDIS_CLUSTER_NODES: seeds }),
  };
}
