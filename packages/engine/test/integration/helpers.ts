import { FlowService, type FlowServiceOptions } from '@dagflow/engine';
import {
  startWorkerProcess,
  testPrefix,
  testRedisEnv,
  testRedisOptions,
  type WorkerProcess,
} from '@dagflow/test-utils';
import { afterEach, expect } from 'vitest';

const services: FlowService[] = [];
const workers: WorkerProcess[] = [];

/** A service on the run's private Redis with a prefix unique to the current test; closed after it. */
export function newService(options: FlowServiceOptions & { prefix: string }): FlowService {
  const service = new FlowService({ ...testRedisOptions(), logLevel: 'error', ...options });
  services.push(service);
  return service;
}

/** A unique prefix for the running test. */
export function prefixFor(): string {
  return testPrefix(import.meta.url, expect.getState().currentTestName ?? 'unnamed');
}

/** Starts the test worker fixture (test flows, `startWorker()`) as a child process; killed after the test. */
export function spawnWorker(
  prefix: string,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  return spawnFixture('worker.mjs', prefix, env);
}

/** Starts a module of `test/fixtures` as a child process (it says 'ready'); killed after the test. */
export async function spawnFixture(
  module: string,
  prefix: string,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const worker = startWorkerProcess(new URL(`../fixtures/${module}`, import.meta.url).pathname, {
    ...testRedisEnv(),
    DAGFLOW_PREFIX: prefix,
    ...env,
  });
  workers.push(worker);
  await worker.ready;
  return worker;
}

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.kill()));
  await Promise.all(services.splice(0).map((service) => service.close()));
});
