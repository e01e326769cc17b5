import { describe, expect, it } from 'vitest';
import { Dag } from '../src/dag.js';
import { isHandledElsewhere } from '../src/stand-ins.js';
import { describeDag } from '../src/describe.js';
import { dagFromDescription } from '../src/from-description.js';
import { DagValidationError, ErrorCode } from '../src/errors.js';
import { validateDag } from '../src/graph.js';

const noop = (): null => null;

describe('nested constructs', () => {
  it('describes sub-DAGs, branches with their keys and for-each bodies, nested', () => {
    const verify = new Dag().node('detect', noop).node('match', noop).edge('detect', 'match');
    const dag = new Dag().node('load', noop);
    const { adult, minor } = dag.conditionalBranch('age', ['adult', 'minor'], () => ['adult']);
    adult.subDag('verify', verify);
    minor.node('ask', noop);
    const items = dag.forEachBranch('each', () => ({}), { maxConcurrency: 5 });
    items.forEachBranch('inner', () => ({})).node('leaf', noop);
    dag
      .edge('load', 'age')
      .edge('age', 'each', { forward: (out) => out })
      .edge('load', 'each', { executionOnly: true });

    const description = describeDag(validateDag(dag));
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    const age = description.nodes.find((n) => n.id === 'age');
    expect(age?.kind).toBe('branch');
    expect(Object.keys(age?.branches ?? {})).toEqual(['adult', 'minor']);
    expect(age?.branches?.['adult']?.nodes[0]).toMatchObject({ id: 'verify', kind: 'subdag' });
    expect(age?.branches?.['adult']?.nodes[0]?.dag?.edges).toEqual([
      { from: 'detect', to: 'match' },
    ]);
    const each = description.nodes.find((n) => n.id === 'each');
    expect(each).toMatchObject({ kind: 'foreach', maxConcurrency: 5, parents: ['age', 'load'] });
    expect(each?.dag?.nodes[0]).toMatchObject({
      id: 'inner',
      kind: 'foreach',
      dag: { nodes: [{ id: 'leaf', kind: 'task' }] },
    });
    expect(description.edges).toContainEqual({ from: 'age', to: 'each', forward: true });
    expect(description.edges).toContainEqual({ from: 'load', to: 'each', executionOnly: true });
  });

  it('names nested nodes by path in validation errors', () => {
    const dag = new Dag();
    const body = dag.forEachBranch('each', () => ({}));
    const { yes } = body.conditionalBranch('check', ['yes'], () => ['yes']);
    yes.node('a', noop).node('b', noop).edge('a', 'b').edge('b', 'a');
    let error: unknown;
    try {
      validateDag(dag);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DagValidationError);
    expect(error).toMatchObject({ code: ErrorCode.DAG_CYCLE });
    expect([...(error as DagValidationError).nodes].sort()).toEqual([
      'each/check/yes/a',
      'each/check/yes/b',
    ]);
    expect(() => validateDag(new Dag().subDag('empty', new Dag()))).toThrow(
      expect.objectContaining({ code: ErrorCode.DAG_EMPTY, nodes: ['empty'] }) as Error,
    );
  });
});

describe('dagFromDescription', () => {
  it('rebuilds a DAG whose description equals the original, with given handlers', () => {
    const inner = new Dag().node('x', noop).node('y', noop, { queue: 'ys' }).edge('x', 'y');
    const dag = new Dag().node('a', noop, { retries: 2, timeoutMs: 100 }).remote('r', 'remote-q');
    dag
      .subDag('s', inner)
      .forEachBranch('f', () => ({}), { maxConcurrency: 2 })
      .subDag('s2', inner);
    const { k } = dag.conditionalBranch('c', ['k'], () => ['k'], { aggregator: (o) => o });
    k.node('z', noop);
    dag
      .edge('a', 's')
      .edge('s', 'f', { forward: (o) => o })
      .edge('a', 'c', { executionOnly: true })
      .edge('a', 'r');
    const description = describeDag(validateDag(dag));
    const rebuilt = dagFromDescription(description, new Map([['s/y', () => 'here']]));
    expect(describeDag(validateDag(rebuilt))).toEqual(description);
    const y = rebuilt.vertices.find((v) => v.id === 's');
    expect(y?.kind).toBe('subdag');
  });
});

describe('dagFromDescription with the code of another version', () => {
  const old = (): Dag => {
    const dag = new Dag()
      .node('a', () => 'old a')
      .node('b', () => 'old b')
      .node('gone', noop);
    const body = dag.forEachBranch('each', () => ({ x: 1 }));
    body.node('item', () => 'old item');
    const { k } = dag.conditionalBranch('pick', ['k'], () => ['k']);
    k.node('in-k', noop);
    return dag
      .edge('a', 'b', { forward: (o) => o })
      .edge('b', 'gone')
      .edge('a', 'each')
      .edge('a', 'pick');
  };

  it("takes each vertex's code where the code has it at the same place, and marks what it lacks", async () => {
    const description = describeDag(validateDag(old()));
    const code = new Dag()
      .node('a', () => 'new a')
      .node('b', () => 'new b')
      .node('c', noop);
    const forward = (o: unknown) => ({ forwarded: o });
    code.edge('a', 'b', { forward }).edge('b', 'c');
    code.forEachBranch('each', () => ({ y: 2 })).node('item', () => 'new item');
    code.conditionalBranch('pick', ['k', 'other'], () => ['k']);
    const rebuilt = dagFromDescription(description, new Map(), code);
    expect(describeDag(validateDag(rebuilt))).toEqual(description);
    const byId = new Map(rebuilt.vertices.map((v) => [v.id, v]));
    const a = byId.get('a');
    const gone = byId.get('gone');
    const each = byId.get('each');
    const pick = byId.get('pick');
    if (a?.kind !== 'task' || gone?.kind !== 'task') throw new Error('tasks expected');
    if (each?.kind !== 'foreach' || pick?.kind !== 'branch') throw new Error('composites expected');
    expect(await a.handler(undefined as never, undefined as never)).toBe('new a');
    expect(isHandledElsewhere(a.handler)).toBe(false);
    expect(isHandledElsewhere(gone.handler)).toBe(true);
    expect(rebuilt.edges.find((e) => e.from === 'a' && e.to === 'b')?.forward).toBe(forward);
    expect(await each.foreach(undefined as never)).toEqual({ y: 2 });
    const item = each.body.vertices[0];
    if (item?.kind !== 'task') throw new Error('task expected');
    expect(await item.handler(undefined as never, undefined as never)).toBe('new item');
    // The code's branch has other keys: its condition could pick a key this shape lacks.
    expect(isHandledElsewhere(pick.condition)).toBe(true);
  });

  it('keeps stand-ins for a vertex whose kind changed', () => {
    const description = describeDag(validateDag(old()));
    const code = new Dag().node('a', noop).subDag('b', new Dag().node('x', noop)).edge('a', 'b');
    const rebuilt = dagFromDescription(description, new Map(), code);
    const b = rebuilt.vertices.find((v) => v.id === 'b');
    expect(b?.kind === 'task' && isHandledElsewhere(b.handler)).toBe(true);
  });
});
