import type { Dag, Edge, Vertex } from './dag.js';
import { DagValidationError, ErrorCode } from './errors.js';
import { checkStreamEdges } from './stream-edges.js';

/** A vertex of a validated DAG with its neighbours. */
export interface GraphNode {
  readonly vertex: Vertex;
  /** Ids of the nodes whose output this node receives, in edge order. */
  readonly parents: readonly string[];
  /** The edges into this node, in edge order (parallel to `parents`). */
  readonly inEdges: readonly Edge[];
  /** Ids of the nodes that run after this one, in edge order. */
  readonly children: readonly string[];
  /** The validated inner DAGs: the sub-DAG or for-each body under `''`, or one per branch key. */
  readonly inner: ReadonlyMap<string, DagGraph>;
}

/** A validated DAG: acyclic, every edge between known nodes, at least one node. */
export interface DagGraph {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** Nodes without parents: they receive the request's input. */
  readonly roots: readonly string[];
  /** Nodes without children: their outputs make the flow's result. */
  readonly terminals: readonly string[];
  /** Every node id in a topological order (parents before children). */
  readonly order: readonly string[];
}

/**
 * Checks a DAG, and every DAG nested in it, and returns its graph. Errors name nodes by path
 * (`verify/face-detect`, `route/adult/welcome`).
 * @throws DagValidationError `DAG_EMPTY`, `DAG_UNKNOWN_NODE`, `DAG_DUPLICATE_EDGE`, `DAG_CYCLE` or
 *   `DAG_INVALID_OPTION` (also for a stream edge that breaks its rules, see `checkStreamEdges`),
 *   naming the nodes.
 */
export function validateDag(dag: Dag, scope = ''): DagGraph {
  const at = (id: string): string => (scope === '' ? id : `${scope}/${id}`);
  const vertices = dag.vertices;
  if (vertices.length === 0) {
    const where = scope === '' ? 'The DAG' : `The DAG of '${scope}'`;
    throw new DagValidationError(
      ErrorCode.DAG_EMPTY,
      `${where} has no nodes; add one with dag.node().`,
      [scope],
    );
  }
  const parents = new Map<string, string[]>(vertices.map((v) => [v.id, []]));
  const inEdges = new Map<string, Edge[]>(vertices.map((v) => [v.id, []]));
  const children = new Map<string, string[]>(vertices.map((v) => [v.id, []]));
  const seen = new Set<string>();
  for (const edge of dag.edges) {
    const { from, to } = edge;
    const unknown = [from, to].filter((id) => !parents.has(id));
    if (unknown.length > 0) {
      throw new DagValidationError(
        ErrorCode.DAG_UNKNOWN_NODE,
        `Edge '${at(from)}' -> '${at(to)}' names unknown node ${unknown.map((id) => `'${at(id)}'`).join(' and ')}; define it with dag.node() first.`,
        unknown.map(at),
      );
    }
    const key = JSON.stringify([from, to]);
    if (seen.has(key)) {
      throw new DagValidationError(
        ErrorCode.DAG_DUPLICATE_EDGE,
        `Edge '${at(from)}' -> '${at(to)}' is declared twice.`,
        [at(from), at(to)],
      );
    }
    if (edge.executionOnly === true && edge.forward !== undefined) {
      throw new DagValidationError(
        ErrorCode.DAG_INVALID_OPTION,
        `Edge '${at(from)}' -> '${at(to)}' is execution-only and so cannot forward data.`,
        [at(from), at(to)],
      );
    }
    seen.add(key);
    children.get(from)?.push(to);
    parents.get(to)?.push(from);
    inEdges.get(to)?.push(edge);
  }
  checkStreamEdges(dag, inEdges, at);
  const order = topologicalOrder(vertices, parents, children, at);
  const nodes = new Map<string, GraphNode>(
    vertices.map((vertex) => [
      vertex.id,
      {
        vertex,
        parents: parents.get(vertex.id) ?? [],
        inEdges: inEdges.get(vertex.id) ?? [],
        children: children.get(vertex.id) ?? [],
        inner: innerGraphs(vertex, at(vertex.id)),
      },
    ]),
  );
  // Roots and terminals in topological order, so that a DAG rebuilt from its description describes the same.
  return {
    nodes,
    roots: order.filter((id) => parents.get(id)?.length === 0),
    terminals: order.filter((id) => children.get(id)?.length === 0),
    order,
  };
}

function innerGraphs(vertex: Vertex, path: string): ReadonlyMap<string, DagGraph> {
  switch (vertex.kind) {
    case 'task':
      return new Map();
    case 'subdag':
      return new Map([['', validateDag(vertex.dag, path)]]);
    case 'foreach':
      return new Map([['', validateDag(vertex.body, path)]]);
    case 'branch':
      return new Map(
        [...vertex.branches].map(([key, dag]) => [key, validateDag(dag, `${path}/${key}`)]),
      );
  }
}

/** Kahn's algorithm; on leftovers, names one cycle among them. */
function topologicalOrder(
  vertices: readonly Vertex[],
  parents: ReadonlyMap<string, readonly string[]>,
  children: ReadonlyMap<string, readonly string[]>,
  at: (id: string) => string,
): string[] {
  const open = new Map(vertices.map((v) => [v.id, parents.get(v.id)?.length ?? 0]));
  const ready = vertices.filter((v) => open.get(v.id) === 0).map((v) => v.id);
  const order: string[] = [];
  for (let id = ready.shift(); id !== undefined; id = ready.shift()) {
    order.push(id);
    for (const child of children.get(id) ?? []) {
      const left = (open.get(child) ?? 0) - 1;
      open.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (order.length < vertices.length) {
    const cycle = findCycle(
      new Set([...open].filter(([, n]) => n > 0).map(([id]) => id)),
      parents,
    ).map(at);
    throw new DagValidationError(
      ErrorCode.DAG_CYCLE,
      `The DAG has a cycle: ${[...cycle, cycle[0]].join(' -> ')}; remove one of these edges.`,
      cycle,
    );
  }
  return order;
}

/**
 * Every node left over by Kahn's algorithm has a parent left over, so walking up parents from any of them
 * must repeat a node; the repeated stretch, reversed, is a cycle in edge direction.
 */
function findCycle(
  leftover: ReadonlySet<string>,
  parents: ReadonlyMap<string, readonly string[]>,
): string[] {
  const [start] = leftover;
  const path: string[] = [];
  const index = new Map<string, number>();
  let current = start;
  while (current !== undefined && !index.has(current)) {
    index.set(current, path.length);
    path.push(current);
    current = parents.get(current)?.find((parent) => leftover.has(parent));
  }
  return (current === undefined ? path : path.slice(index.get(current))).reverse();
}
