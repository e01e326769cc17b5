import { ErrorCode, type FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A -> B -> C; A sleeps `aMs`; each counts its runs. */
function chain(
  aMs: number,
  bBehaviour: (runs: number, signal: AbortSignal) => unknown = () => 'b',
) {
  const service = newService({ prefix: prefixFor() });
  const runs = { A: 0, B: 0, C: 0 };
  const inputs: unknown[] = [];
  service.register('chain', (dag) => {
    dag.node('A', async (input: string) => {
      runs.A += 1;
      await sleep(aMs);
      return `${input}>A`;
    });
    dag.node('B', (input: string, ctx) => {
      runs.B += 1;
      inputs.push(input);
      return bBehaviour(runs.B, ctx.signal);
    });
    dag.node('C', (input: unknown) => {
      runs.C += 1;
      return { C: input };
    });
    dag.edge('A', 'B').edge('B', 'C');
  });
  return { service, runs, inputs };
}

async function statusOf(
  service: FlowService,
  id: string,
  path: string,
): Promise<string | undefined> {
  return (await service.state('chain', id)).nodes[path]?.status;
}

describe('pause and resume', () => {
  it('holds successors while paused and runs them once after resume, across two cycles', async () => {
    const { service, runs } = chain(1_000);
    await service.startWorker();
    const id = await service.execute('chain', 'x');
    await waitFor(async () => (await statusOf(service, id, 'A')) === 'running');
    await service.pause('chain', id);
    expect((await service.state('chain', id)).status).toBe('paused');
    await waitFor(async () => (await statusOf(service, id, 'A')) === 'completed', {
      timeoutMs: 5_000,
    });
    await sleep(2_000);
    expect(await statusOf(service, id, 'B')).toBe('pending');
    expect(runs).toEqual({ A: 1, B: 0, C: 0 });

    await service.resume('chain', id);
    expect(await service.waitForResult('chain', id)).toEqual({ C: 'b' });
    expect(runs).toEqual({ A: 1, B: 1, C: 1 });

    // A second cycle on a finished request is refused and runs nothing again.
    await expect(service.pause('chain', id)).rejects.toMatchObject({
      code: ErrorCode.INVALID_TRANSITION,
    });
    await expect(service.resume('chain', id)).rejects.toMatchObject({
      code: ErrorCode.INVALID_TRANSITION,
    });
    await sleep(200);
    expect(runs).toEqual({ A: 1, B: 1, C: 1 });
  });

  it('survives several pause/resume cycles mid-flight without running a node twice', async () => {
    const { service, runs } = chain(300, async () => {
      await sleep(300);
      return 'b';
    });
    await service.startWorker();
    const id = await service.execute('chain', 'x');
    for (let cycle = 0; cycle < 3; cycle++) {
      await sleep(150);
      await service.pause('chain', id).catch(() => undefined); // may have completed already
      await sleep(400);
      await service.resume('chain', id).catch(() => undefined);
    }
    expect(await service.waitForResult('chain', id)).toEqual({ C: 'b' });
    expect(runs).toEqual({ A: 1, B: 1, C: 1 });
  });

  it('refuses to resume a request that is not paused', async () => {
    const { service } = chain(0);
    const id = await service.execute('chain', 'x');
    await expect(service.resume('chain', id)).rejects.toMatchObject({
      code: ErrorCode.INVALID_TRANSITION,
      details: { status: 'pending', command: 'resume' },
    });
    await expect(service.pause('chain', 'nope')).rejects.toMatchObject({
      code: ErrorCode.REQUEST_NOT_FOUND,
    });
  });
});

describe('stop', () => {
  it('aborts the running node, never starts its successor and refuses a second stop', async () => {
    let aborted: unknown;
    const { service, runs } = chain(
      0,
      (_runs, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            reject(signal.reason as Error);
          });
        }),
    );
    await service.startWorker();
    const id = await service.execute('chain', 'x');
    await waitFor(async () => (await statusOf(service, id, 'B')) === 'running');
    await service.stop('chain', id);
    await waitFor(() => aborted !== undefined);
    expect(aborted).toMatchObject({ code: ErrorCode.REQUEST_STOPPED });
    await expect(service.waitForResult('chain', id)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_STOPPED,
    });
    await sleep(300);
    const state = await service.state('chain', id);
    expect(state.status).toBe('stopped');
    expect(runs.C).toBe(0);
    await expect(service.stop('chain', id)).rejects.toMatchObject({
      code: ErrorCode.INVALID_TRANSITION,
      details: { status: 'stopped' },
    });
  });
});

describe('before any node started', () => {
  // Roots carry the request input and start without beginNode: pause and stop take them off the queue.
  it.each([
    { hold: 'pause', status: 'paused', restart: 'resume' },
    { hold: 'stop', status: 'stopped', restart: 'rerun' },
  ] as const)(
    'a $hold never runs the waiting root; a $restart runs the request from it, once',
    async ({ hold, status, restart }) => {
      const { service, runs } = chain(0);
      const id = await service.execute('chain', 'x');
      await service[hold]('chain', id);
      await service.startWorker();
      await sleep(500);
      expect(runs).toEqual({ A: 0, B: 0, C: 0 });
      expect((await service.state('chain', id)).status).toBe(status);
      await service[restart]('chain', id);
      expect(await service.waitForResult('chain', id)).toEqual({ C: 'b' });
      expect(runs).toEqual({ A: 1, B: 1, C: 1 });
    },
  );

  it('a request is running once its root runs, and pending until then', async () => {
    const { service } = chain(300);
    const id = await service.execute('chain', 'z');
    expect((await service.state('chain', id)).status).toBe('pending');
    await service.startWorker();
    await waitFor(async () => (await service.state('chain', id)).status === 'running');
    const state = await service.state('chain', id);
    expect(state.nodes['A']).toMatchObject({ status: 'running', attempts: 1 });
    expect(state.startedAt).toEqual(expect.any(Number));
    await service.waitForResult('chain', id);
  });
});

describe('rerun', () => {
  it('restarts a failed request from the failed node with the stored outputs and the same id', async () => {
    let healthy = false;
    const { service, runs, inputs } = chain(0, () => {
      if (!healthy) throw new Error('B is broken');
      return 'b-fixed';
    });
    await service.startWorker();
    const id = await service.execute('chain', 'x');
    await expect(service.waitForResult('chain', id)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
    });
    healthy = true;
    await service.rerun('chain', id);
    expect(await service.waitForResult('chain', id)).toEqual({ C: 'b-fixed' });
    expect(runs).toEqual({ A: 1, B: 2, C: 1 });
    expect(inputs).toEqual(['x>A', 'x>A']);
    const state = await service.state('chain', id);
    expect(state).toMatchObject({
      requestId: id,
      status: 'completed',
      nodes: { B: { status: 'completed', attempts: 2 } },
    });
    await expect(service.rerun('chain', id)).rejects.toMatchObject({
      code: ErrorCode.INVALID_TRANSITION,
    });
  });

  it('restarts a stopped request from its unfinished nodes', async () => {
    let blocking = true;
    const { service, runs } = chain(0, async (_runs, signal) => {
      while (blocking && !signal.aborted) await sleep(20);
      if (signal.aborted) throw signal.reason as Error;
      return 'b';
    });
    await service.startWorker();
    const id = await service.execute('chain', 'x');
    await waitFor(async () => (await statusOf(service, id, 'B')) === 'running');
    await service.stop('chain', id);
    await waitFor(async () => (await statusOf(service, id, 'B')) === 'failed');
    blocking = false;
    await service.rerun('chain', id);
    expect(await service.waitForResult('chain', id)).toEqual({ C: 'b' });
    expect(runs).toEqual({ A: 1, B: 2, C: 1 });
  });
});

describe('failure handling', () => {
  it('runs saga compensations in reverse completion order when the request fails', async () => {
    const service = newService({ prefix: prefixFor() });
    const events: string[] = [];
    let cRuns = 0;
    const step = (name: string) => ({
      compensate: async (input: unknown, output: unknown) => {
        events.push(`start comp${name} ${JSON.stringify(input)} ${JSON.stringify(output)}`);
        await sleep(50);
        events.push(`end comp${name}`);
      },
    });
    let failures: string[] = [];
    service.register(
      'saga',
      (dag) => {
        dag.node('A', (n: number) => n + 1, step('A'));
        dag.node('B', (n: number) => n * 10, step('B'));
        dag.node(
          'C',
          () => {
            cRuns += 1;
            throw new Error('C always fails');
          },
          { ...step('C'), retries: 1, backoff: { type: 'fixed', delayMs: 10 } },
        );
        dag.edge('A', 'B').edge('B', 'C');
      },
      { onFailure: (request) => void (failures = [...failures, request.status]) },
    );
    await service.startWorker();
    const id = await service.execute('saga', 1);
    await expect(service.waitForResult('saga', id)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
    });
    await waitFor(
      async () => (await service.state('saga', id)).nodes['A']?.compensation !== undefined,
      { timeoutMs: 5_000 },
    );
    expect(cRuns).toBe(2);
    expect(events).toEqual(['start compB 2 20', 'end compB', 'start compA 1 2', 'end compA']);
    const state = await service.state('saga', id);
    expect(state.status).toBe('failed');
    expect(state.nodes['B']?.compensation).toEqual({ status: 'completed', attempts: 1 });
    expect(state.nodes['C']).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { message: 'C always fails' },
    });
    expect(state.nodes['C']?.compensation).toBeUndefined();
    expect(await service.nodeOutput('saga', id, 'A')).toBe(2);
    expect(await service.nodeOutput('saga', id, 'B')).toBe(20);
    await waitFor(() => failures.length === 1);
    expect(failures).toEqual(['failed']);
  });

  it('replaces a failed node output with its fallback and completes', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('fallback', (dag) => {
      dag.node(
        'price',
        (): number => {
          throw new Error('pricing service down');
        },
        {
          retries: 1,
          backoff: { type: 'fixed', delayMs: 10 },
          fallback: (_input: unknown, _ctx, error) => ({ price: 0, reason: error.message }),
        },
      );
      dag.node('quote', (p: { price: number; reason: string }) => `quote ${p.price} (${p.reason})`);
      dag.edge('price', 'quote');
    });
    await service.startWorker();
    const id = await service.execute('fallback', null);
    expect(await service.waitForResult('fallback', id)).toBe('quote 0 (pricing service down)');
    const state = await service.state('fallback', id);
    expect(state.nodes['price']).toMatchObject({
      status: 'completed',
      attempts: 2,
      error: { message: 'pricing service down', fallback: true },
    });
  });

  it('does not retry a NonRetryableError and fails an oversized output with PAYLOAD_TOO_LARGE', async () => {
    const { NonRetryableError } = await import('@dagflow/engine');
    const service = newService({ prefix: prefixFor(), maxOutputBytes: 1_000 });
    let attempts = 0;
    service.register('strict', (dag) => {
      dag.node(
        'n',
        (mode: string) => {
          attempts += 1;
          if (mode === 'declined') throw new NonRetryableError('card declined');
          return 'x'.repeat(5_000);
        },
        { retries: 3, backoff: { type: 'fixed', delayMs: 10 } },
      );
    });
    await service.startWorker();
    const declined = await service.execute('strict', 'declined');
    await expect(service.waitForResult('strict', declined)).rejects.toMatchObject({
      details: { error: { message: 'card declined', attempts: 1 } },
    });
    expect(attempts).toBe(1);
    const big = await service.execute('strict', 'big');
    await expect(service.waitForResult('strict', big)).rejects.toMatchObject({
      details: { error: { code: ErrorCode.PAYLOAD_TOO_LARGE, attempts: 1 } },
    });
  });
});

describe('priority and listing', () => {
  it('starts queued requests in priority order on one worker at concurrency 1', async () => {
    const service = newService({ prefix: prefixFor(), workerConcurrency: 1 });
    const started: number[] = [];
    // Priorities order the requests of one partition (one BullMQ queue); on a cluster a flow has
    // several by default.
    service.register(
      'prio',
      (dag) => dag.node('n', (priority: number) => void started.push(priority)),
      { partitions: 1 },
    );
    const priorities = Array.from({ length: 30 }, (_, i) => ((i * 7) % 5) + 1);
    for (const priority of priorities) await service.execute('prio', priority, { priority });
    await service.startWorker();
    await waitFor(() => started.length === 30, { timeoutMs: 10_000 });
    expect(started).toEqual([...priorities].sort((a, b) => a - b));
  });

  it('lists requests newest first, filtered by status, page by page', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('listed', (dag) =>
      dag.node('n', (fail: boolean) => {
        if (fail) throw new Error('no');
        return 'ok';
      }),
    );
    await service.startWorker();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const id = await service.execute('listed', i % 3 === 0, { requestId: `req-${i}` });
      await service.waitForResult('listed', id).catch(() => undefined);
      ids.push(id);
      await sleep(2);
    }
    const first = await service.listRequests('listed', { limit: 4 });
    expect(first.requests.map((r) => r.requestId)).toEqual(['req-6', 'req-5', 'req-4', 'req-3']);
    const second = await service.listRequests('listed', { limit: 4, cursor: first.cursor });
    expect(second.requests.map((r) => r.requestId)).toEqual(['req-2', 'req-1', 'req-0']);
    expect(second.cursor).toBeUndefined();
    const failed = await service.listRequests('listed', { status: 'failed' });
    expect(failed.requests.map((r) => r.requestId)).toEqual(['req-6', 'req-3', 'req-0']);
  });
});

describe('rerun with a new input', () => {
  it('gives the failed node the new input and keeps completed outputs', async () => {
    const service = newService({ prefix: prefixFor() });
    const seen: unknown[] = [];
    service.register('parse', (dag) => {
      dag.node('load', (raw: string) => raw.trim());
      dag.node('parse', (text: string) => {
        seen.push(text);
        return JSON.parse(text) as unknown;
      });
      dag.node('use', (value: unknown) => ({ value }));
      dag.edge('load', 'parse').edge('parse', 'use');
    });
    await service.startWorker();
    const id = await service.execute('parse', ' {broken ');
    await expect(service.waitForResult('parse', id)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
    });
    await service.rerun('parse', id, { input: '{"fixed":true}' });
    expect(await service.waitForResult('parse', id)).toEqual({ value: { fixed: true } });
    expect(seen).toEqual(['{broken', '{"fixed":true}']);
    expect(await service.nodeOutput('parse', id, 'load')).toBe('{broken');
  });
});

describe('flow options', () => {
  it('runs finally once for every ending and holds the flow rate limit across workers', async () => {
    const service = newService({ prefix: prefixFor(), workerConcurrency: 10 });
    const endings: string[] = [];
    const starts: number[] = [];
    service.register(
      'limited-rate',
      (dag) =>
        dag.node('n', (fail: boolean) => {
          starts.push(Date.now());
          if (fail) throw new Error('no');
          return 'ok';
        }),
      {
        rateLimit: { max: 2, durationMs: 500 },
        finally: (request) => void endings.push(request.status),
      },
    );
    await service.startWorker();
    const ids = await Promise.all(
      [false, false, false, false, true].map((fail) => service.execute('limited-rate', fail)),
    );
    await Promise.all(
      ids.map((id) => service.waitForResult('limited-rate', id).catch(() => undefined)),
    );
    await waitFor(() => endings.length === 5, { timeoutMs: 5_000 });
    expect(endings.sort()).toEqual(['completed', 'completed', 'completed', 'completed', 'failed']);
    // 5 starts at 2 per 500 ms need at least two full windows.
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(900);
  });
});

describe('stop and rerun of a for-each', () => {
  it('shows unstarted items queued, never runs them after the stop, and runs each once on rerun', async () => {
    const service = newService({ prefix: prefixFor(), workerConcurrency: 2 });
    const completed = new Map<string, number>();
    service.register('slow-items', (dag) => {
      dag
        .forEachBranch('each', (n: number) =>
          Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
        )
        .node('work', async (i: number, ctx) => {
          await sleep(40);
          if (ctx.signal.aborted) throw new Error('stopped');
          completed.set(ctx.node, (completed.get(ctx.node) ?? 0) + 1);
          return i;
        });
    });
    await service.startWorker();
    const id = await service.execute('slow-items', 30);
    await waitFor(() => completed.size >= 4, { timeoutMs: 10_000 });
    await service.stop('slow-items', id);
    const stopped = await service.state('slow-items', id);
    const items = Object.entries(stopped.nodes).filter(([path]) => path.endsWith('/work'));
    expect(items).toHaveLength(30);
    expect(items.filter(([, node]) => node.status === 'queued').length).toBeGreaterThan(10);
    const ranBeforeStop = completed.size;
    await sleep(500);
    expect(completed.size).toBeLessThanOrEqual(ranBeforeStop + 2); // at most the 2 running finish

    await service.rerun('slow-items', id);
    const result = (await service.waitForResult('slow-items', id)) as Record<string, number>;
    expect(Object.keys(result)).toHaveLength(30);
    expect(completed.size).toBe(30);
    expect([...completed.values()].every((n) => n === 1)).toBe(true);
  });
});
