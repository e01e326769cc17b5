// The kit under node's own test runner, from the built package: `node --test test/node/kit.test.mjs`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestEnv, failTimes } from '@dagflow/testing';

const HOUR = 3_600_000;

/** @type {import('@dagflow/testing').TestEnv} */
let env;
before(async () => {
  env = await createTestEnv();
});
after(() => env.close());

test('a reminder sent a day later, in no time', async () => {
  env.service.register('remind', (dag) => {
    dag.sleep('wait', 24 * HOUR);
    dag.node('send', (input) => `reminded ${input}`);
    dag.edge('wait', 'send');
  });
  const { requestId, status } = await env.run('remind', 'ada');
  assert.equal(status, 'pending'); // its only root sleeps
  await env.advance(24 * HOUR);
  const done = await env.outcome('remind', requestId);
  assert.equal(done.result, 'reminded ada');
  assert.equal(done.nodes['wait']?.durationMs, 24 * HOUR);
});

test('a node that fails once, retried after its back-off', async () => {
  env.service.register('fetch', (dag) =>
    dag.node('get', () => 'original', { retries: 1, backoff: { type: 'fixed', delayMs: HOUR } }),
  );
  env.mock(
    'fetch',
    'get',
    failTimes(1, () => 'mocked'),
  );
  const { requestId } = await env.run('fetch', null);
  await env.advance(HOUR);
  const done = await env.outcome('fetch', requestId);
  assert.equal(done.result, 'mocked');
  assert.equal(done.nodes['get']?.attempts, 2);
});
