import { Dag } from '@dagflow/flow';
import { describe, expect, it } from 'vitest';
import { FlowPlan } from '../src/plan/flow-plan.js';
import { isRefusal, planMigration } from '../src/plan/migration-plan.js';

const limits = { maxForEachItems: 100_000 };
const noop = (x: unknown): unknown => x;

function plan(define: (dag: Dag) => void): FlowPlan {
  const dag = new Dag();
  define(dag);
  return new FlowPlan('f', dag, {}, { limits });
}

/** A state hash with these step statuses (and a running request). */
function state(statuses: Record<string, string>): Record<string, string> {
  return {
    status: 'running',
    ...Object.fromEntries(Object.entries(statuses).map(([path, s]) => [`s|${path}`, s])),
  };
}

const chain = (...ids: string[]) =>
  plan((dag) => {
    for (const id of ids) dag.node(id, noop);
    for (let i = 1; i < ids.length; i++) dag.edge(ids[i - 1] ?? '', ids[i] ?? '');
  });

describe('planMigration', () => {
  it('drops and fences a removed queued node and releases the node new to the shape', () => {
    const planned = planMigration(
      chain('A', 'B', 'C'),
      chain('A', 'B', 'D'),
      state({ A: 'completed', B: 'completed', C: 'queued' }),
    );
    if (isRefusal(planned)) throw new Error(planned.reason);
    expect(planned.dropped).toEqual(['C']);
    expect(planned.release).toEqual(['D']);
    expect(planned.fence).toEqual(['C', 'D']);
    expect(planned.dropState).toContain('s|C');
    expect(planned.dropState).toContain('w|C');
    expect(planned.dropData).toContain('o|C');
    expect(planned.set).toContainEqual(['terminalsDone', '0']);
  });

  it('treats a renamed node as removed and added', () => {
    const planned = planMigration(
      chain('A', 'B', 'C'),
      chain('A', 'B', 'E'),
      state({ A: 'completed', B: 'completed', C: 'queued' }),
    );
    expect(planned).toMatchObject({ dropped: ['C'], release: ['E'] });
  });

  it('drops a removed completed node with its record (d|) and the fields of an earlier version', () => {
    const planned = planMigration(
      chain('A', 'B', 'C'),
      chain('A', 'B', 'D'),
      state({ A: 'completed', B: 'completed', C: 'completed' }),
    );
    if (isRefusal(planned)) throw new Error(planned.reason);
    expect(planned.dropped).toEqual(['C']);
    expect(planned.fence).toEqual(['D']);
    for (const field of ['s|C', 'd|C', 't0|C', 't1|C', 'w|C'])
      expect(planned.dropState).toContain(field);
  });

  it('gives a node that an added edge makes a join the count of its parents done, and runs queued nodes again on the new shape', () => {
    const to = plan((dag) => {
      dag.node('A', noop).node('B', noop).node('C', noop);
      dag.edge('A', 'B').edge('B', 'C').edge('A', 'C');
    });
    const planned = planMigration(chain('A', 'B', 'C'), to, state({ A: 'completed', B: 'queued' }));
    if (isRefusal(planned)) throw new Error(planned.reason);
    expect(planned.set).toContainEqual(['j|C', '1']);
    expect(planned.release).toEqual(['B']);
    expect(planned.dropped).toEqual([]);
  });

  it('refuses while a node runs', () => {
    expect(
      planMigration(chain('A', 'B'), chain('A', 'B', 'C'), state({ A: 'completed', B: 'running' })),
    ).toEqual({ reason: 'running', nodes: ['B'] });
  });

  it('refuses when a sub-DAG in progress changed shape, not when it is unchanged', () => {
    const withSub = (inner: string[]) =>
      plan((dag) => {
        const sub = new Dag();
        for (const id of inner) sub.node(id, noop);
        dag.node('A', noop).subDag('S', sub).node('Z', noop).edge('A', 'S').edge('S', 'Z');
      });
    const inProgress = state({ A: 'completed', 'S/@start': 'completed', 'S/x': 'queued' });
    expect(planMigration(withSub(['x']), withSub(['x', 'y']), inProgress)).toEqual({
      reason: 'composite-changed',
      nodes: ['S'],
    });
    const same = planMigration(
      withSub(['x']),
      plan((dag) => {
        dag.node('A', noop).subDag('S', new Dag().node('x', noop)).node('Z2', noop);
        dag.edge('A', 'S').edge('S', 'Z2');
      }),
      inProgress,
    );
    expect(same).toMatchObject({ dropped: [], release: ['S/x'] });
  });

  it('refuses a live request whose new shape leaves nothing to run; marks a failed one all done', () => {
    const from = plan((dag) =>
      dag.node('A', noop).node('B', noop).node('C', noop).edge('A', 'B').edge('A', 'C'),
    );
    expect(
      planMigration(from, chain('A', 'B'), state({ A: 'completed', B: 'completed', C: 'queued' })),
    ).toEqual({ reason: 'nothing-to-run', nodes: ['B'] });
    const failed = planMigration(from, chain('A', 'B'), {
      ...state({ A: 'completed', B: 'completed', C: 'failed' }),
      status: 'failed',
    });
    expect(failed).toMatchObject({ dropped: ['C'], release: [] });
    expect(isRefusal(failed) ? [] : failed.set.map(([field]) => field)).toContain('allDone');
  });
});
