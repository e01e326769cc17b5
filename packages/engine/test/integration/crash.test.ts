import { waitFor } from '@dagflow/test-utils';
import { expect, inject, it } from 'vitest';
import { counters, registerTestFlows } from '../fixtures/flows.mjs';
import { newService, prefixFor, spawnWorker } from './helpers.js';

const FAST_RECOVERY = { LOCK_MS: '1500', STALLED_MS: '500' };

it('finishes a request on another worker when the one running a node is killed with SIGKILL', async () => {
  const prefix = prefixFor();
  const count = counters(inject('redisUrl'), prefix);
  const client = newService({ prefix });
  registerTestFlows(client, count);
  const first = await spawnWorker(prefix, FAST_RECOVERY);
  const id = await client.execute('slow-chain', 'x');
  // Wait until the slow node runs on the first worker, then kill that worker mid-step.
  await waitFor(
    async () => (await client.state('slow-chain', id)).nodes['slow']?.status === 'running',
  );
  await first.kill();
  const second = await spawnWorker(prefix, FAST_RECOVERY);

  expect(await client.waitForResult('slow-chain', id, { timeoutMs: 30_000 })).toBe('x-slow-last');
  const counts = await count.all();
  expect(counts[`${id}/first`]).toBe(1); // completed before the crash: never runs again
  expect(counts[`${id}/slow`]).toBe(2); // at least once: interrupted, then re-run by the other worker
  expect(counts[`${id}/last`]).toBe(1); // its successor was enqueued once
  const state = await client.state('slow-chain', id);
  expect(state.nodes['slow']?.attempts).toBe(2);
  expect(await count.pids()).toContain(second.pid);
  await count.close();
});
