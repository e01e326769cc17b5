/**
 * Helpers of the engine's time-based tests that run on `@dagflow/testing`'s virtual clock. The kit
 * depends on the engine, so these tests live here rather than beside the engine: an engine
 * devDependency on the kit would be a cycle in turbo's build graph.
 * @module
 */
import type {} from '@dagflow/test-utils';
import { createTestEnv, type TestEnv, type TestEnvOptions } from '@dagflow/testing';
import { Queue } from 'bullmq';
import { afterEach, inject } from 'vitest';

/** The environments of the running test, closed after it. */
const open: TestEnv[] = [];
afterEach(async () => {
  for (const env of open.splice(0)) await env.close();
});

/** A test environment on the run's Redis (under a prefix of its own), closed after the running test. */
export async function kitEnv(options: Omit<TestEnvOptions, 'redisUrl'> = {}): Promise<TestEnv> {
  const env = await createTestEnv({ redisUrl: inject('redisUrl'), ...options });
  open.push(env);
  return env;
}

/** The counts of jobs in the given states of a flow's own BullMQ queue (real BullMQ counts). */
export async function jobCounts(
  env: TestEnv,
  flow: string,
  ...states: ('active' | 'waiting' | 'delayed')[]
): Promise<Record<string, number>> {
  const queue = new Queue(`{${flow}}`, { connection: { url: env.redisUrl }, prefix: env.prefix });
  try {
    return await queue.getJobCounts(...states);
  } finally {
    await queue.close();
  }
}

/** A node's status in a request's state. */
export async function nodeStatus(
  env: TestEnv,
  flow: string,
  requestId: string,
  node: string,
): Promise<string | undefined> {
  return (await env.service.state(flow, requestId)).nodes[node]?.status;
}
