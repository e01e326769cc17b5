import { waitFor } from '@dagflow/test-utils';
import { expect, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

it('runs a request through a server with no handlers across two services that each own their steps', async () => {
  const prefix = prefixFor();
  const [owner, b] = await Promise.all([
    spawnFixture('mesh-owner.mjs', prefix),
    spawnFixture('mesh-b.mjs', prefix),
  ]);
  const server = newService({ prefix }); // registers nothing: it knows 'mesh' from the registry
  await waitFor(
    async () =>
      ((await server.flows()).find((flow) => flow.name === 'mesh')?.workers['b'] ?? 0) > 0,
    {
      timeoutMs: 15_000,
    },
  );
  const [flow] = await server.flows();
  expect(flow).toMatchObject({
    name: 'mesh',
    nodes: 3,
    workers: { '': 1, b: 1 },
    nodeWorkers: { a1: 1, b1: 1, a2: 1 },
  });
  expect((await server.describe('mesh')).nodes.find((node) => node.id === 'b1')).toMatchObject({
    queue: 'b',
  });

  const id = await server.execute('mesh', 'hello');
  expect(await server.waitForResult('mesh', id)).toEqual({
    input: 'hello',
    trail: [`a1@${owner.pid}`, `b1@${b.pid}`, `a2@${owner.pid}`],
  });
  expect((await server.state('mesh', id)).status).toBe('completed');
});

it('keeps a request waiting for a worker of its next step, then completes it when one starts', async () => {
  const prefix = prefixFor();
  await spawnFixture('mesh-owner.mjs', prefix);
  const server = newService({ prefix });
  expect((await server.flows())[0]?.nodeWorkers).toEqual({ a1: 1, b1: 0, a2: 1 });
  const id = await server.execute('mesh', 'later');
  await waitFor(
    async () => (await server.state('mesh', id)).nodes['b1']?.waiting === 'waiting for worker',
    { timeoutMs: 10_000 },
  );
  const state = await server.state('mesh', id);
  expect(state).toMatchObject({
    status: 'running',
    nodes: { a1: { status: 'completed' }, b1: { status: 'queued' } },
  });

  const b = await spawnFixture('mesh-b.mjs', prefix);
  const result = (await server.waitForResult('mesh', id, { timeoutMs: 20_000 })) as {
    trail: string[];
  };
  expect(result.trail[1]).toBe(`b1@${b.pid}`);
});
