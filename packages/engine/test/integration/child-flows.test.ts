import { DagflowError, ErrorCode, type FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

/** A client service and one worker process with concurrency 1 serving parent and child flows. */
async function setUp(): Promise<FlowService> {
  const prefix = prefixFor();
  await spawnFixture('waits.mjs', prefix);
  return newService({ prefix });
}

/** The child request of the parent's node 'sub', once it exists. */
async function childOf(service: FlowService, flow: string, id: string) {
  let child: { flow: string; requestId: string } | undefined;
  await waitFor(async () => {
    child = (await service.state(flow, id)).nodes['sub']?.child;
    if (child === undefined) return false;
    return service.state(child.flow, child.requestId).then(
      () => true,
      () => false,
    );
  });
  return child as { flow: string; requestId: string };
}

describe('child flows', () => {
  it('complete the parent node with the child result; state links parent and child', async () => {
    const service = await setUp();
    const id = await service.execute('parent', 20);
    expect(await service.waitForResult('parent', id)).toEqual({ child: 42 });
    const child = await childOf(service, 'parent', id);
    expect(child.flow).toBe('child');
    const childState = await service.state('child', child.requestId);
    expect(childState.status).toBe('completed');
    expect(childState.parent).toEqual({ flow: 'parent', requestId: id, node: 'sub' });
  });

  it('run parents and children on one worker slot without deadlock', async () => {
    const service = await setUp();
    const ids = await Promise.all([1, 2, 3, 4].map((n) => service.execute('parent', n)));
    const results = await Promise.all(
      ids.map((id) => service.waitForResult('parent', id, { timeoutMs: 15_000 })),
    );
    expect(results).toEqual([4, 6, 8, 10].map((n) => ({ child: n })));
  });

  it("fail the parent with the child's error", async () => {
    const service = await setUp();
    const id = await service.execute('parent-fails', null);
    const failure = await service
      .waitForResult('parent-fails', id)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DagflowError);
    expect((failure as DagflowError).code).toBe(ErrorCode.REQUEST_FAILED);
    const state = await service.state('parent-fails', id);
    expect(state.nodes['sub']?.status).toBe('failed');
    expect(state.nodes['sub']?.error?.code).toBe(ErrorCode.CHILD_FLOW_FAILED);
    expect(state.nodes['sub']?.error?.message).toContain('child broke');
    expect(state.error?.code).toBe(ErrorCode.CHILD_FLOW_FAILED);
  });

  it('stop the child when the parent stops, and rerun it when the parent reruns', async () => {
    const service = await setUp();
    const id = await service.execute('parent-waits', 'x');
    const child = await childOf(service, 'parent-waits', id);
    await waitFor(
      async () =>
        (await service.state('child-waits', child.requestId)).nodes['hold']?.status === 'waiting',
    );
    expect((await service.state('parent-waits', id)).nodes['sub']?.status).toBe('waiting');
    await service.stop('parent-waits', id);
    await waitFor(
      async () => (await service.state('child-waits', child.requestId)).status === 'stopped',
    );

    await service.rerun('parent-waits', id);
    await waitFor(
      async () =>
        (await service.state('child-waits', child.requestId)).nodes['hold']?.status === 'waiting',
    );
    expect((await service.state('child-waits', child.requestId)).status).toBe('running');
    await service.signal('child-waits', child.requestId, 'hold', 'go');
    expect(await service.waitForResult('parent-waits', id)).toEqual({ held: 'go' });
  });

  it('runs the declarative flow operation as a child flow', async () => {
    const service = await setUp();
    const id = await service.execute('decl-parent', 7);
    expect(await service.waitForResult('decl-parent', id)).toBe(14);
    const child = await childOf(service, 'decl-parent', id);
    expect((await service.state('child', child.requestId)).parent?.requestId).toBe(id);
  });
});
