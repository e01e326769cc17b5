import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { startRedis } from './redis-server.js';

/** Vitest global setup: a private redis-server for the run, or `REDIS_URL` when it is set. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env['REDIS_URL'];
  if (fromEnv !== undefined && fromEnv !== '') {
    project.provide('redisUrl', fromEnv);
    return () => Promise.resolve();
  }
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
