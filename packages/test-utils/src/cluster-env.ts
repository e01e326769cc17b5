import { inject } from 'vitest';
import './provided-context.js';

// Setup file of the `cluster` project: services made in tests and the worker processes they fork read
// REDIS_CLUSTER_NODES, which wins over any Redis URL they are given.
const seeds = inject('redisClusterNodes');
if (seeds !== undefined) process.env['REDIS_CLUSTER_NODES'] = seeds;
