import { DagflowError, FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { startWorkerProcess, testPrefix, type WorkerProcess } from '@dagflow/test-utils';
import { afterEach, expect, inject } from 'vitest';

const open: { close(): Promise<unknown> }[] = [];
const workers: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.kill()));
  await Promise.all(open.splice(0).map((each) => each.close()));
});

/** Closes `closable` (a service or client) after the running test; answers it. */
export function closedAfterTest<T extends { close(): Promise<unknown> }>(closable: T): T {
  open.push(closable);
  return closable;
}

/** A unique prefix for the running test. */
export function prefixFor(): string {
  return testPrefix(import.meta.url, expect.getState().currentTestName ?? 'unnamed');
}

/**
 * A service that registers flows (so `execute` checks inputs, `signal` payloads) but runs no worker;
 * with `http`, an HTTP front end on a free port once `startServer` is called.
 */
export function newService(prefix: string, http = false): FlowService {
  return closedAfterTest(
    new FlowService({
      redisUrl: inject('redisUrl'),
      prefix,
      logLevel: 'error',
      ...(http ? { http: httpApi(), port: 0, host: '127.0.0.1' } : {}),
    }),
  );
}

/** A worker process that serves the typed flows (fixtures/typed-worker.mjs); killed after the test. */
export async function spawnTypedWorker(prefix: string): Promise<void> {
  const path = new URL('../fixtures/typed-worker.mjs', import.meta.url).pathname;
  const worker = startWorkerProcess(path, {
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: prefix,
  });
  workers.push(worker);
  await worker.ready;
}

/** The DagflowError `promise` rejects with (the test fails if it resolves or rejects otherwise). */
export async function errorOf(promise: Promise<unknown>): Promise<DagflowError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DagflowError);
  return error as DagflowError;
}
