import { Dag, ErrorCode } from '@dagflow/engine';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

describe('conditional branches', () => {
  function routeService() {
    const service = newService({ prefix: prefixFor() });
    const seen: string[] = [];
    service.register('route', (dag) => {
      dag.node('pick', (input: { keys: string[]; n: number }) => input);
      const { small, large } = dag.conditionalBranch(
        'size',
        ['small', 'large'],
        (input: { keys: string[] }) => input.keys,
      );
      small.node('halve', (input: { n: number }) => {
        seen.push('small');
        return input.n / 2;
      });
      large.node('double', (input: { n: number }) => {
        seen.push('large');
        return input.n * 2;
      });
      large.node('add', (n: number) => n + 1);
      large.edge('double', 'add');
      dag.node('after', (input: unknown) => ({ got: input }));
      dag.edge('pick', 'size').edge('size', 'after');
    });
    return { service, seen };
  }

  it('runs the one selected branch on the vertex input', async () => {
    const { service, seen } = routeService();
    await service.startWorker();
    const id = await service.execute('route', { keys: ['large'], n: 10 });
    expect(await service.waitForResult('route', id)).toEqual({ got: { large: 21 } });
    expect(seen).toEqual(['large']);
    const state = await service.state('route', id);
    expect(state.nodes['size']).toMatchObject({ status: 'completed', picked: ['large'] });
    expect(state.nodes['size/large/double']).toMatchObject({ status: 'completed', attempts: 1 });
    expect(state.nodes['size/small/halve']).toBeUndefined();
  });

  it('runs both selected branches in parallel and joins them by key', async () => {
    const { service, seen } = routeService();
    await service.startWorker();
    const id = await service.execute('route', { keys: ['small', 'large'], n: 10 });
    expect(await service.waitForResult('route', id)).toEqual({ got: { small: 5, large: 21 } });
    expect(seen.sort()).toEqual(['large', 'small']);
  });

  it('passes the input through when no key is selected', async () => {
    const { service, seen } = routeService();
    await service.startWorker();
    const id = await service.execute('route', { keys: [], n: 10 });
    expect(await service.waitForResult('route', id)).toEqual({ got: { keys: [], n: 10 } });
    expect(seen).toEqual([]);
  });

  it('fails the request with a clear error on an undeclared key and keeps the worker alive', async () => {
    const { service } = routeService();
    await service.startWorker();
    const id = await service.execute('route', { keys: ['medium'], n: 10 });
    await expect(service.waitForResult('route', id)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
      details: { error: { node: 'size', code: ErrorCode.INVALID_BRANCH_KEY, attempts: 1 } },
    });
    const state = await service.state('route', id);
    expect(state.error?.message).toContain('"medium"');
    expect(state.nodes['after']?.status).toBe('pending');
    const next = await service.execute('route', { keys: ['small'], n: 4 });
    expect(await service.waitForResult('route', next)).toEqual({ got: { small: 2 } });
  });
});

describe('for-each', () => {
  it('runs a sub-DAG body per item, aggregates once with exactly the item keys, then goes on once', async () => {
    const service = newService({ prefix: prefixFor() });
    const firstInputs: unknown[] = [];
    const aggregatorCalls: string[][] = [];
    let nextRuns = 0;
    const check = new Dag()
      .node('detect', (user: { id: number }) => {
        firstInputs.push(user);
        return user.id * 10;
      })
      .node('score', (n: number) => n + 1)
      .edge('detect', 'score');
    service.register('users', (dag) => {
      const body = dag.forEachBranch(
        'each-user',
        (users: { id: number }[]) => Object.fromEntries(users.map((u) => [String(u.id), u])),
        {
          aggregator: (outputs) => {
            aggregatorCalls.push(Object.keys(outputs).sort());
            return Object.values(outputs).reduce<number>((sum, v) => sum + Number(v), 0);
          },
        },
      );
      body.subDag('verify', check);
      dag.node('next', (total: number) => {
        nextRuns += 1;
        return { total };
      });
      dag.edge('each-user', 'next');
    });
    await service.startWorker();
    const id = await service.execute('users', [{ id: 1 }, { id: 2 }, { id: 42 }]);
    expect(await service.waitForResult('users', id)).toEqual({ total: 11 + 21 + 421 });
    expect(firstInputs).toHaveLength(3);
    expect(firstInputs).toEqual(expect.arrayContaining([{ id: 1 }, { id: 2 }, { id: 42 }]));
    expect(aggregatorCalls).toEqual([['1', '2', '42']]);
    expect(nextRuns).toBe(1);
    const state = await service.state('users', id);
    expect(state.nodes['each-user']).toMatchObject({
      status: 'completed',
      picked: ['1', '2', '42'],
    });
    expect(state.nodes['each-user[42]/verify/detect']).toMatchObject({
      status: 'completed',
      attempts: 1,
    });
    expect(state.nodes['each-user[42]/verify']).toMatchObject({ status: 'completed' });
  });

  it('outputs {} for zero items and goes on', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('none', (dag) => {
      dag
        .forEachBranch('each', () => ({}))
        .node('never', () => {
          throw new Error('must not run');
        });
      dag.node('after', (outputs: unknown) => ({ outputs }));
      dag.edge('each', 'after');
    });
    await service.startWorker();
    const id = await service.execute('none', null);
    expect(await service.waitForResult('none', id)).toEqual({ outputs: {} });
  });

  it('nests for-each 2x2: each inner aggregator sees only its own keys', async () => {
    const service = newService({ prefix: prefixFor() });
    const innerCalls: string[][] = [];
    service.register('grid', (dag) => {
      const rows = dag.forEachBranch('rows', (grid: number[][]) =>
        Object.fromEntries(grid.map((row, r) => [`r${r}`, row])),
      );
      const cells = rows.forEachBranch(
        'cells',
        (row: number[]) => Object.fromEntries(row.map((v, c) => [`c${c}`, v])),
        {
          aggregator: (outputs) => {
            innerCalls.push(Object.keys(outputs).sort());
            return Object.values(outputs).map(Number);
          },
        },
      );
      cells.node('square', (v: number) => v * v);
    });
    await service.startWorker();
    const id = await service.execute('grid', [
      [1, 2],
      [3, 4],
    ]);
    expect(await service.waitForResult('grid', id)).toEqual({ r0: [1, 4], r1: [9, 16] });
    expect(innerCalls).toEqual([
      ['c0', 'c1'],
      ['c0', 'c1'],
    ]);
    const state = await service.state('grid', id);
    expect(state.nodes['rows[r1]/cells[c0]/square']).toMatchObject({ status: 'completed' });
  });

  it('keeps item keys with path characters intact', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('odd-keys', (dag) => {
      dag
        .forEachBranch('each', (keys: string[]) => Object.fromEntries(keys.map((k) => [k, k])))
        .node('echo', (k: string) => `<${k}>`);
    });
    await service.startWorker();
    const keys = ['a/b', 'x[1]', '100%', 'c:d', 'é ü'];
    const id = await service.execute('odd-keys', keys);
    expect(await service.waitForResult('odd-keys', id)).toEqual(
      Object.fromEntries(keys.map((k) => [k, `<${k}>`])),
    );
  });

  it('runs at most maxConcurrency items at once and still completes every item', async () => {
    const service = newService({ prefix: prefixFor(), workerConcurrency: 20 });
    let running = 0;
    let peak = 0;
    service.register('throttled', (dag) => {
      const body = dag.forEachBranch(
        'each',
        (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
        {
          maxConcurrency: 3,
        },
      );
      body.node('first', async (i: number) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        return i;
      });
      body.node('second', (i: number) => {
        running -= 1;
        return i * 2;
      });
      body.edge('first', 'second');
    });
    await service.startWorker();
    const id = await service.execute('throttled', 10);
    const result = (await service.waitForResult('throttled', id)) as Record<string, number>;
    expect(Object.keys(result)).toHaveLength(10);
    expect(result['k9']).toBe(18);
    expect(peak).toBe(3);
  });

  it('fails with INVALID_ITEMS when foreach returns no object', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('bad-items', (dag) => {
      dag
        .forEachBranch('each', (n: number) => [n] as unknown as Record<string, unknown>)
        .node('x', () => null);
    });
    await service.startWorker();
    const id = await service.execute('bad-items', 1);
    await expect(service.waitForResult('bad-items', id)).rejects.toMatchObject({
      details: { error: { node: 'each', code: ErrorCode.INVALID_ITEMS } },
    });
  });
});

describe('sub-DAGs and edges', () => {
  it('feeds the inner first node the outer predecessor output and the outer successor the sub-DAG output', async () => {
    const service = newService({ prefix: prefixFor() });
    const inner = new Dag()
      .node('first', (s: string) => `${s}>first`)
      .node('left', (s: string) => `${s}>left`)
      .node('right', (s: string) => `${s}>right`)
      .edge('first', 'left')
      .edge('first', 'right');
    service.register('wrapped', (dag) => {
      dag.node('before', (s: string) => `${s}>before`);
      dag.subDag('sub', inner);
      dag.subDag('again', inner); // the same sub-DAG used twice
      dag.node('after', (input: unknown) => input);
      dag
        .edge('before', 'sub')
        .edge('sub', 'again', { forward: (out) => (out as { left: string }).left })
        .edge('again', 'after');
    });
    await service.startWorker();
    const id = await service.execute('wrapped', 'in');
    expect(await service.waitForResult('wrapped', id)).toEqual({
      left: 'in>before>first>left>first>left',
      right: 'in>before>first>left>first>right',
    });
    const state = await service.state('wrapped', id);
    expect(Object.keys(state.nodes)).toEqual(
      expect.arrayContaining(['before', 'sub', 'sub/first', 'sub/left', 'again/right', 'after']),
    );
  });

  it('orders without passing data on an execution-only edge', async () => {
    const service = newService({ prefix: prefixFor() });
    const order: string[] = [];
    service.register('ordered', (dag) => {
      dag.node('setup', async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push('setup');
        return 'ignored';
      });
      dag.node('load', (n: number) => {
        order.push('load');
        return n + 1;
      });
      dag.node('use', (n: number) => {
        order.push('use');
        return n;
      });
      dag.edge('setup', 'use', { executionOnly: true }).edge('load', 'use');
    });
    await service.startWorker();
    const id = await service.execute('ordered', 1);
    expect(await service.waitForResult('ordered', id)).toBe(2);
    expect(order.indexOf('use')).toBe(2);
  });
});
