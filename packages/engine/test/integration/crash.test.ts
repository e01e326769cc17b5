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

it('with the default lock (8 s) and stalled check (4 s), a killed worker’s node runs again within 15 s', async () => {
  const prefix = prefixFor();
  const count = counters(inject('redisUrl'), prefix);
  const client = newService({ prefix });
  registerTestFlows(client, count);
  const first = await spawnWorker(prefix);
  const id = await client.execute('slow-chain', 'x');
  await waitFor(
    async () => (await client.state('slow-chain', id)).nodes['slow']?.status === 'running',
  );
  // Started while the node runs on the first worker: it can take the node over only once it stalls.
  const second = await spawnWorker(prefix);
  const killedAt = Date.now();
  await first.kill();
  await waitFor(async () => (await count.all())[`${id}/slow`] === 2, { timeoutMs: 20_000 });
  const recoveryMs = Date.now() - killedAt;
  console.log(
    `recovery after SIGKILL with the default lock and stalled interval: ${recoveryMs} ms`,
  );
  expect(recoveryMs).toBeLessThan(15_000);
  expect(await client.waitForResult('slow-chain', id, { timeoutMs: 10_000 })).toBe('x-slow-last');
  expect((await count.all())[`${id}/last`]).toBe(1);
  await second.kill();
  await count.close();
});
