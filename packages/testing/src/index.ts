/**
 * `@dagflow/testing` tests dagflow flows in one process: a private Redis, a `FlowService` whose
 * workers run in the test, time that `advance(ms)` skips (sleeps, retries' back-off, signal timeouts,
 * schedules, debounce windows, deadlines), mocked nodes and each request's outcome node by node.
 *
 * @example
 * ```ts
 * import { createTestEnv } from '@dagflow/testing';
 * const env = await createTestEnv();
 * env.service.register('remind', (dag) => {
 *   dag.sleep('wait', 86_400_000);
 *   dag.node('send', () => 'sent');
 *   dag.edge('wait', 'send');
 * });
 * const { requestId } = await env.run('remind', null);
 * await env.advance(86_400_000); // a day, in milliseconds of wall time
 * console.log((await env.outcome('remind', requestId)).result); // 'sent'
 * await env.close();
 * ```
 * @module
 */
export { createTestEnv } from './test-env.js';
export type { TestEnv, TestEnvOptions } from './test-env.js';
export { failTimes } from './fail-times.js';
export type { NodeOutcome, RunOutcome } from './run-outcome.js';
