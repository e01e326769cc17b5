import { describe, expect, it } from 'vitest';
import { Dag } from '../src/dag.js';
import { describeDag } from '../src/describe.js';
import { DagValidationError, ErrorCode } from '../src/errors.js';
import { validateDag } from '../src/graph.js';

const noop = (): null => null;

function validationError(build: () => unknown): DagValidationError {
  try {
    build();
  } catch (error) {
    if (error instanceof DagValidationError) return error;
    throw error;
  }
  throw new Error('expected a DagValidationError');
}

function diamond(): Dag {
  return new Dag()
    .node('A', noop)
    .node('B', noop)
    .node('C', noop)
    .node('D', noop, { aggregator: (outs) => outs })
    .edge('A', 'B')
    .edge('A', 'C')
    .edge('B', 'D')
    .edge('C', 'D');
}

describe('validateDag', () => {
  it('finds roots, terminals, parents and a topological order', () => {
    const graph = validateDag(diamond());
    expect(graph.roots).toEqual(['A']);
    expect(graph.terminals).toEqual(['D']);
    expect(graph.nodes.get('D')?.parents).toEqual(['B', 'C']);
    expect(graph.order.indexOf('A')).toBeLessThan(graph.order.indexOf('B'));
    expect(graph.order.indexOf('C')).toBeLessThan(graph.order.indexOf('D'));
  });

  it('accepts several roots and several terminals', () => {
    const graph = validateDag(
      new Dag()
        .node('a', noop)
        .node('b', noop)
        .node('c', noop)
        .node('d', noop)
        .edge('a', 'c')
        .edge('b', 'd'),
    );
    expect(graph.roots).toEqual(['a', 'b']);
    expect(graph.terminals).toEqual(['c', 'd']);
  });

  it('names the nodes of a cycle in edge order', () => {
    const dag = new Dag()
      .node('start', noop)
      .node('x', noop)
      .node('y', noop)
      .node('z', noop)
      .node('after', noop);
    dag.edge('start', 'x').edge('x', 'y').edge('y', 'z').edge('z', 'x').edge('z', 'after');
    const error = validationError(() => validateDag(dag));
    expect(error.code).toBe(ErrorCode.DAG_CYCLE);
    expect([...error.nodes].sort()).toEqual(['x', 'y', 'z']);
    const [first] = error.nodes;
    const rotated = [
      ...error.nodes.slice(error.nodes.indexOf('x')),
      ...error.nodes.slice(0, error.nodes.indexOf('x')),
    ];
    expect(rotated).toEqual(['x', 'y', 'z']);
    expect(error.message).toContain(`${first}`);
    expect(error.message).toMatch(/x -> y -> z -> x|y -> z -> x -> y|z -> x -> y -> z/);
  });

  it('reports a self loop as a cycle', () => {
    const error = validationError(() => validateDag(new Dag().node('a', noop).edge('a', 'a')));
    expect(error.code).toBe(ErrorCode.DAG_CYCLE);
    expect(error.nodes).toEqual(['a']);
  });

  it('names unknown nodes of an edge', () => {
    const error = validationError(() => validateDag(new Dag().node('a', noop).edge('a', 'ghost')));
    expect(error.code).toBe(ErrorCode.DAG_UNKNOWN_NODE);
    expect(error.nodes).toEqual(['ghost']);
    expect(error.message).toContain("'ghost'");
  });

  it('rejects duplicate ids, duplicate edges, empty DAGs and malformed ids', () => {
    expect(validationError(() => new Dag().node('a', noop).node('a', noop))).toMatchObject({
      code: ErrorCode.DAG_DUPLICATE_NODE,
      nodes: ['a'],
    });
    expect(
      validationError(() =>
        validateDag(new Dag().node('a', noop).node('b', noop).edge('a', 'b').edge('a', 'b')),
      ),
    ).toMatchObject({
      code: ErrorCode.DAG_DUPLICATE_EDGE,
      nodes: ['a', 'b'],
    });
    expect(validationError(() => validateDag(new Dag()))).toMatchObject({
      code: ErrorCode.DAG_EMPTY,
    });
    for (const id of ['', 'a/b', 'a:b', 'x[1]', 'with space', 'é']) {
      expect(validationError(() => new Dag().node(id, noop))).toMatchObject({
        code: ErrorCode.DAG_INVALID_ID,
        nodes: [id],
      });
    }
  });

  it('rejects ids that are members of Object.prototype, as nodes, branch keys and flow names', () => {
    for (const id of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']) {
      expect(validationError(() => new Dag().node(id, noop))).toMatchObject({
        code: ErrorCode.DAG_INVALID_ID,
        nodes: [id],
      });
      expect(
        validationError(() => new Dag().conditionalBranch('route', ['ok', id], () => ['ok'])),
      ).toMatchObject({ code: ErrorCode.DAG_INVALID_ID, nodes: [id] });
    }
    expect(() => new Dag().node('proto', noop).node('constructors', noop)).not.toThrow();
  });

  it('rejects out-of-range options, naming the node', () => {
    for (const options of [
      { retries: -1 },
      { retries: 1.5 },
      { timeoutMs: 0 },
      { backoff: { type: 'fixed' as const, delayMs: -5 } },
    ]) {
      expect(validationError(() => new Dag().node('n', noop, options))).toMatchObject({
        code: ErrorCode.DAG_INVALID_OPTION,
        nodes: ['n'],
      });
    }
  });
});

describe('describeDag', () => {
  it('describes nodes, edges and options as plain JSON', () => {
    const dag = diamond()
      .node('E', noop, { retries: 2, timeoutMs: 500, backoff: { type: 'fixed', delayMs: 10 } })
      .edge('D', 'E');
    const description = describeDag(validateDag(dag));
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    expect(description.roots).toEqual(['A']);
    expect(description.terminals).toEqual(['E']);
    expect(description.edges).toContainEqual({ from: 'B', to: 'D' });
    expect(description.nodes.find((n) => n.id === 'D')).toMatchObject({
      parents: ['B', 'C'],
      aggregator: true,
    });
    expect(description.nodes.find((n) => n.id === 'E')).toMatchObject({
      retries: 2,
      timeoutMs: 500,
      backoff: { type: 'fixed', delayMs: 10 },
    });
  });
});
