import type { DagGraph } from './graph.js';

/** JSON description of one node, as served by `GET /flows/:name`. */
export interface NodeDescription {
  readonly id: string;
  readonly kind: 'task';
  readonly parents: readonly string[];
  readonly retries: number;
  readonly timeoutMs?: number;
  readonly backoff?: { readonly type: 'fixed' | 'exponential'; readonly delayMs: number };
  readonly aggregator: boolean;
}

/** JSON description of a DAG: nodes, edges, roots and terminals. Holds no functions. */
export interface DagDescription {
  readonly nodes: readonly NodeDescription[];
  readonly edges: readonly { readonly from: string; readonly to: string }[];
  readonly roots: readonly string[];
  readonly terminals: readonly string[];
}

/** Describes a validated DAG as plain JSON, nodes in topological order. */
export function describeDag(graph: DagGraph): DagDescription {
  const nodes: NodeDescription[] = [];
  const edges: { from: string; to: string }[] = [];
  for (const id of graph.order) {
    const node = graph.nodes.get(id);
    if (node === undefined) continue;
    const { options } = node.vertex;
    nodes.push({
      id,
      kind: node.vertex.kind,
      parents: node.parents,
      retries: options.retries ?? 0,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.backoff === undefined ? {} : { backoff: { ...options.backoff } }),
      aggregator: options.aggregator !== undefined,
    });
    for (const child of node.children) edges.push({ from: id, to: child });
  }
  return { nodes, edges, roots: graph.roots, terminals: graph.terminals };
}
