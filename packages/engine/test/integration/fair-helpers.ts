/** Shared by the fair-scheduling tests (flows of `fixtures/fair-flows.mjs`): connections, workers, records. */
import type { FlowService } from '@dagflow/engine';
import type { WorkerProcess } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { afterEach, inject } from 'vitest';
import { registerFairFlows } from '../fixtures/fair-flows.mjs';
import { newService, spawnFixture } from './helpers.js';

const redises: Redis[] = [];
afterEach(async () => {
  await Promise.all(redises.splice(0).map((redis) => redis.quit()));
});

/** A connection to the run's Redis, closed after the test. */
export function redisOf(): Redis {
  const redis = new Redis(inject('redisUrl'));
  redises.push(redis);
  return redis;
}

/** The handler starts the fixture recorded: `[ms, key, request id]`, in start order. */
export async function startsOf(redis: Redis, prefix: string): Promise<[number, string, string][]> {
  return (await redis.lrange(`${prefix}:fair:starts`, 0, -1))
    .map((entry) => entry.split(':'))
    .map(([at, key, id]): [number, string, string] => [Number(at), key ?? '', id ?? ''])
    .sort((a, b) => a[0] - b[0]);
}

/** Two worker processes of the fair fixture, 10 slots each (a window of 30 with the headroom). */
export function twoWorkers(
  prefix: string,
  env: Record<string, string> = {},
): Promise<WorkerProcess[]> {
  return Promise.all([
    spawnFixture('fair.mjs', prefix, env),
    spawnFixture('fair.mjs', prefix, env),
  ]);
}

/** A client that registered the fair flows: its executes compute the key and go to the scheduler. */
export function clientOf(prefix: string, redis: Redis): FlowService {
  const client = newService({ prefix });
  registerFairFlows(client, redis, prefix);
  return client;
}

/** The `p`th percentile of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
