import { Dag, describeDag, validateDag } from '@dagflow/flow';
import { describe, expect, it } from 'vitest';
import type { NodeState, RequestState } from '@dagflow/server/contract';
import { buildGraph } from '../src/graph/graph-model.js';

const noop = (input: unknown) => input;

function description(build: (dag: Dag) => void) {
  const dag = new Dag();
  build(dag);
  return describeDag(validateDag(dag));
}

function request(nodes: Record<string, Partial<NodeState>>): RequestState {
  return {
    requestId: 'r1',
    flow: 'f',
    status: 'running',
    createdAt: 0,
    nodes: Object.fromEntries(
      Object.entries(nodes).map(([path, node]) => [
        path,
        { status: 'pending', attempts: 0, ...node },
      ]),
    ),
  };
}

describe('buildGraph', () => {
  it('draws tasks and edges, with definition details but no request', () => {
    const model = buildGraph(
      description((dag) => {
        dag.node('a', noop, { retries: 2 }).node('b', noop);
        dag.edge('a', 'b', { executionOnly: true });
      }),
    );
    expect(model.boxes.map((box) => [box.id, box.detail])).toEqual([
      ['a', 'retries 2'],
      ['b', 'task'],
    ]);
    expect(model.links).toEqual([{ from: 'a', to: 'b', executionOnly: true }]);
    expect(model.clusters).toEqual([]);
  });

  it('says what signal, sleep and child-flow nodes wait for, and draws a sleeping one as waiting', () => {
    const dag = description((d) => {
      d.node('submit', noop);
      d.signal('approve', { timeoutMs: 3_600_000 });
      d.sleep('cool-off', 60_000);
      d.flow('pay', 'payments');
      d.edge('submit', 'approve').edge('approve', 'cool-off').edge('cool-off', 'pay');
    });
    expect(buildGraph(dag).boxes.map((box) => [box.id, box.detail, box.wait?.kind])).toEqual([
      ['submit', 'task', undefined],
      ['approve', 'signal · timeout 1 h 00 min', 'signal'],
      ['cool-off', 'sleep 1 min 00 s', 'sleep'],
      ['pay', 'child flow payments', 'flow'],
    ]);
    const waiting = buildGraph(
      dag,
      request({ submit: { status: 'completed' }, approve: { status: 'waiting' } }),
    );
    expect(waiting.boxes.find((box) => box.id === 'approve')).toMatchObject({
      status: 'waiting',
      subtitle: 'waiting for a signal',
    });
    const sleeping = buildGraph(
      dag,
      request({
        submit: { status: 'completed' },
        approve: { status: 'completed' },
        'cool-off': { status: 'queued' },
      }),
    );
    expect(sleeping.boxes.find((box) => box.id === 'cool-off')).toMatchObject({
      status: 'waiting',
      subtitle: 'sleeping 1 min 00 s',
    });
    const child = buildGraph(
      dag,
      request({ pay: { status: 'waiting', child: { flow: 'payments', requestId: 'c1' } } }),
    );
    expect(child.boxes.find((box) => box.id === 'pay')?.subtitle).toBe('waiting for flow payments');
  });

  it('says a node waits because no live worker has its code (STEP_UNAVAILABLE)', () => {
    const dag = description((d) => d.node('a', noop).node('b', noop).edge('a', 'b'));
    const model = buildGraph(
      dag,
      request({
        a: { status: 'completed' },
        b: { status: 'waiting', reason: 'STEP_UNAVAILABLE', unavailableSince: 1 },
      }),
    );
    expect(model.boxes.find((box) => box.id === 'b')).toMatchObject({
      status: 'waiting',
      subtitle: 'step unavailable',
    });
  });

  it('groups a sub-DAG and links into its roots and out of its terminals', () => {
    const inner = new Dag();
    inner.node('x', noop).node('y', noop).edge('x', 'y');
    const model = buildGraph(
      description((dag) => {
        dag.node('in', noop).subDag('sub', inner).node('out', noop);
        dag.edge('in', 'sub').edge('sub', 'out');
      }),
    );
    expect(model.clusters.map((c) => [c.id, c.kind, c.parent])).toEqual([
      ['sub', 'subdag', undefined],
    ]);
    expect(model.boxes.find((box) => box.id === 'sub/x')?.cluster).toBe('sub');
    expect(model.links.map((l) => `${l.from}>${l.to}`).sort()).toEqual([
      'in>sub/x',
      'sub/x>sub/y',
      'sub/y>out',
    ]);
  });

  it('marks branches not picked as skipped once the branch vertex ended', () => {
    const description_ = description((dag) => {
      const branches = dag.conditionalBranch('route', ['adult', 'minor'], () => ['adult']);
      branches.adult?.node('welcome', noop);
      branches.minor?.node('refuse', noop);
    });
    const model = buildGraph(
      description_,
      request({
        route: { status: 'completed', picked: ['adult'] },
        'route/adult/welcome': { status: 'completed', attempts: 1 },
      }),
    );
    const status = (id: string) => model.boxes.find((box) => box.id === id)?.status;
    expect(status('route/adult/welcome')).toBe('completed');
    expect(status('route/minor/refuse')).toBe('skipped');
    expect(model.clusters.map((c) => [c.id, c.status])).toEqual([
      ['route', 'completed'],
      ['route/adult', 'pending'],
      ['route/minor', 'skipped'],
    ]);
  });

  it('collapses for-each items into one box with counts, nested for-each too', () => {
    const model = buildGraph(
      description((dag) => {
        const outer = dag.forEachBranch('rows', () => ({}));
        outer.forEachBranch('cells', () => ({})).node('check', noop);
      }),
      request({
        rows: { status: 'running', picked: ['0', '1'] },
        'rows[0]/cells': { status: 'completed', picked: ['a', 'b'] },
        'rows[1]/cells': { status: 'running', picked: ['a'] },
        'rows[0]/cells[a]/check': { status: 'completed' },
        'rows[0]/cells[b]/check': { status: 'completed' },
        'rows[1]/cells[a]/check': { status: 'failed' },
      }),
    );
    expect(model.boxes).toHaveLength(1);
    const [check] = model.boxes;
    expect(check?.id).toBe('rows/cells/check');
    expect(check?.counts).toEqual({ completed: 2, failed: 1 });
    expect(check?.status).toBe('failed');
    expect(check?.instances.map((i) => i.path)).toHaveLength(3);
    expect(model.clusters.map((c) => c.label)).toEqual([
      'rows · for-each (2 items)',
      'cells · for-each (3 items)',
    ]);
  });
});
