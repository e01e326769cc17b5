import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { expect, inject } from 'vitest';

/**
 * A FlowService with the HTTP API on a free loopback port, on the test Redis under the running test's
 * own prefix (from `testFile`, the caller's `import.meta.url`, and the test's name).
 */
export function httpService(testFile: string): FlowService {
  return new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(testFile, expect.getState().currentTestName ?? ''),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(),
  });
}
