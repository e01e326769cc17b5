import { FlowClient } from '@dagflow/engine';
import { afterEach, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

let client: FlowClient | undefined;
afterEach(async () => client?.close());

it('a FlowClient executes, watches and controls requests that a FlowService worker serves', async () => {
  const prefix = prefixFor();
  const worker = newService({ prefix });
  worker.register('greet', (dag) => {
    dag.node('hello', (input: string) => `hello ${input}`);
    dag.node('shout', (input: string) => input.toUpperCase());
    dag.edge('hello', 'shout');
  });
  await worker.startWorker();

  client = new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' });
  expect((await client.flows()).map((flow) => flow.name)).toEqual(['greet']);
  const id = await client.execute('greet', 'client');
  expect(await client.waitForResult('greet', id, { timeoutMs: 5_000 })).toBe('HELLO CLIENT');
  expect(await client.result('greet', id)).toBe('HELLO CLIENT');
  const state = await client.state('greet', id);
  expect(state.status).toBe('completed');
  expect(state.nodes['shout']?.status).toBe('completed');
  expect((await client.nodeDetail('greet', id, 'hello')).output).toBe('hello client');
  expect((await client.listRequests('greet')).requests.map((r) => r.requestId)).toEqual([id]);
  await expect(client.pause('greet', id)).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });

  await client.close();
  await expect(client.execute('greet', 'late')).rejects.toMatchObject({ code: 'SERVICE_CLOSED' });
});
