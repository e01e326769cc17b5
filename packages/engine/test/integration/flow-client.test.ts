import { type Dag, type DagDescription, FlowClient } from '@dagflow/engine';
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

it('describes the current version of a flow, or any published one; an unknown version is FLOW_NOT_FOUND', async () => {
  const prefix = prefixFor();
  const shape = (last: string) => (dag: Dag) => {
    dag.node('a', (input: unknown) => input);
    dag.node(last, (input: unknown) => input);
    dag.edge('a', last);
  };
  const v1 = newService({ prefix });
  v1.register('order', shape('b'), { revision: 1 });
  await v1.startWorker();
  const v2 = newService({ prefix });
  v2.register('order', shape('c'), { revision: 2 });
  await v2.startWorker();
  client = new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' });
  const versions = await client.versions('order');
  const [current, old] = [true, false].map(
    (wanted) => versions.find((v) => v.current === wanted)?.version ?? '',
  );
  const ids = (dag: DagDescription) => dag.nodes.map((node) => node.id);
  expect(ids(await client.describe('order'))).toEqual(['a', 'c']);
  expect(ids(await client.describe('order', current))).toEqual(['a', 'c']);
  expect(ids(await client.describe('order', old))).toEqual(['a', 'b']);
  await expect(client.describe('order', 'ffffffffffff')).rejects.toMatchObject({
    code: 'FLOW_NOT_FOUND',
    message: expect.stringContaining("'ffffffffffff'") as string,
  });
  await expect(client.describe('nope', old)).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
});
