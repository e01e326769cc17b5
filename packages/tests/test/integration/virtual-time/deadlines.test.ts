import { type Dag, ErrorCode } from '@dagflow/engine';
import { describe, expect, it } from 'vitest';
import { jobCounts, kitEnv } from './kit-env.js';

/** `n` hands its input on, then the request waits for the signal `go`: running, holding no job. */
function held(dag: Dag): void {
  dag.node('n', (input: unknown) => input);
  dag.signal('go');
  dag.edge('n', 'go');
}

describe('deadlines', () => {
  it('stops a request not started within startMs (behind a concurrency key), compensations untouched', async () => {
    const env = await kitEnv();
    env.service.register('keyed', held, {
      concurrency: { key: () => 'one', limit: 1 },
      deadline: { startMs: 500 },
    });
    const { requestId: holder, status } = await env.run('keyed', null);
    expect(status).toBe('running'); // it holds the key's one slot until it ends
    const { requestId: waiting } = await env.run('keyed', null);
    // Milliseconds here, not minutes: a root behind a concurrency key is delayed again every 2 s of
    // the clock it waits on, and advance() would promote each of those rechecks on its way.
    await env.advance(499);
    expect((await env.service.state('keyed', waiting)).status).toBe('pending');
    await env.advance(1);
    const state = await env.service.state('keyed', waiting);
    expect(state.status).toBe('stopped');
    expect(state.error).toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED, node: '' });
    expect(state.deadline?.startBy).toBe(state.createdAt + 500);
    expect(state.startedAt).toBeUndefined();
    // The holder had started in time: its start deadline does nothing.
    expect((await env.service.state('keyed', holder)).status).toBe('running');
    await expect(env.service.waitForResult('keyed', waiting)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_STOPPED,
      details: { error: { code: ErrorCode.DEADLINE_EXCEEDED } },
    });
    expect(await env.service.metrics()).toMatch(
      /dagflow_deadline_exceeded_total\{flow="keyed",kind="start"\} 1/,
    );
    await env.service.stop('keyed', holder);
  });

  it("takes the deadline job off the queue when the request ends in time; execute's deadlineMs wins", async () => {
    const env = await kitEnv();
    env.service.register('quick', held, { deadline: { startMs: 3_600_000, finishMs: 3_600_000 } });
    const ids = await Promise.all([1, 2, 3].map((i) => env.service.execute('quick', i)));
    await env.runUntilIdle();
    for (const id of ids) await env.signal('quick', id, 'go', 'now');
    for (const id of ids) expect((await env.outcome('quick', id)).status).toBe('completed');
    expect(await jobCounts(env, 'quick', 'delayed')).toEqual({ delayed: 0 });
    // deadlineMs overrides finishMs: this one is stopped after 300 s, not an hour.
    const { requestId: short, state } = await env.run('quick', 10, { deadlineMs: 300_000 });
    expect(state.deadline?.startBy).toBe(state.createdAt + 3_600_000);
    expect(state.deadline?.finishBy).toBe(state.createdAt + 300_000);
    await env.advance(299_999);
    expect((await env.service.state('quick', short)).status).toBe('running');
    await env.advance(1);
    expect((await env.service.state('quick', short)).status).toBe('stopped');
    expect(await jobCounts(env, 'quick', 'delayed')).toEqual({ delayed: 0 });
    await expect(env.service.execute('quick', 1, { deadlineMs: -1 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_INPUT,
    });
    await expect(env.service.execute('quick', 1, { deadlineMs: 1.5 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_INPUT,
    });
    expect(() =>
      env.service.register('bad', (dag) => dag.node('n', () => 1), { deadline: { startMs: -5 } }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }));
  });
});
