import type { FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

/** A client service and one worker process serving the flows of `fixtures/waits.mjs`. */
async function setUp(): Promise<FlowService> {
  const prefix = prefixFor();
  await spawnFixture('waits.mjs', prefix);
  return newService({ prefix });
}

/** The state of one node of a finished request: its attempts and how long it took. */
async function timing(service: FlowService, flow: string, id: string, node: string) {
  const state = (await service.state(flow, id)).nodes[node];
  return {
    status: state?.status,
    attempts: state?.attempts,
    tookMs: (state?.finishedAt ?? 0) - (state?.startedAt ?? 0),
  };
}

describe('a node that waits', () => {
  it('a signal node: one attempt, timed from when it began waiting to the delivery', async () => {
    const service = await setUp();
    const id = await service.execute('approval', 1);
    await waitFor(
      async () => (await service.state('approval', id)).nodes['approve']?.status === 'waiting',
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    await service.signal('approval', id, 'approve', 'ok');
    await service.waitForResult('approval', id);
    const approve = await timing(service, 'approval', id, 'approve');
    expect(approve).toMatchObject({ status: 'completed', attempts: 1 });
    expect(approve.tookMs).toBeGreaterThanOrEqual(400);
  });

  it('a sleep node: one attempt, timed from when it began sleeping', async () => {
    const service = await setUp();
    const id = await service.execute('napping', null);
    await service.waitForResult('napping', id);
    const nap = await timing(service, 'napping', id, 'nap');
    expect(nap).toMatchObject({ status: 'completed', attempts: 1 });
    expect(nap.tookMs).toBeGreaterThanOrEqual(800);
  });

  it('a child-flow node: one attempt, timed from the child start to its end', async () => {
    const service = await setUp();
    const id = await service.execute('parent-waits', null);
    let child: { flow: string; requestId: string } | undefined;
    await waitFor(async () => {
      child = (await service.state('parent-waits', id)).nodes['sub']?.child;
      if (child === undefined) return false;
      const state = await service.state(child.flow, child.requestId).catch(() => undefined);
      return state?.nodes['hold']?.status === 'waiting';
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await service.signal('child-waits', child?.requestId ?? '', 'hold', 'go');
    await service.waitForResult('parent-waits', id);
    const sub = await timing(service, 'parent-waits', id, 'sub');
    expect(sub).toMatchObject({ status: 'completed', attempts: 1 });
    expect(sub.tookMs).toBeGreaterThanOrEqual(400);
  });
});
