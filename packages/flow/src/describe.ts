import type { DagGraph, GraphNode } from './graph.js';
import type { Wait } from './wait-options.js';

/** JSON description of one edge. */
export interface EdgeDescription {
  readonly from: string;
  readonly to: string;
  /** The edge transforms the data it passes. */
  readonly forward?: true;
  /** The edge orders without passing data. */
  readonly executionOnly?: true;
  /** The edge streams `from`'s chunks to `to` while `from` runs (see `EdgeOptions.stream`). */
  readonly stream?: true;
}

/** JSON description of one vertex, as served by `GET /flows/:name`. */
export interface NodeDescription {
  readonly id: string;
  readonly kind: 'task' | 'subdag' | 'branch' | 'foreach';
  readonly parents: readonly string[];
  /** Whether an aggregator shapes the vertex input (task) or output (sub-DAG, branch, for-each). */
  readonly aggregator: boolean;
  readonly retries?: number;
  readonly timeoutMs?: number;
  readonly backoff?: { readonly type: 'fixed' | 'exponential'; readonly delayMs: number };
  /** The task has a fallback handler. */
  readonly fallback?: boolean;
  /** The task has a saga compensation. */
  readonly compensate?: boolean;
  /** The queue the task runs on, when another service owns it. */
  readonly queue?: string;
  /** Milliseconds the task waits once ready before it starts. */
  readonly delayMs?: number;
  /** The task's results are cached this long (its key function stays in code). */
  readonly cache?: { readonly ttlMs: number };
  /** What the task waits for: a signal (`dag.signal`), a delay (`dag.sleep`), a child flow (`dag.flow`). */
  readonly wait?: Wait;
  /** The sub-DAG (kind `subdag`) or the body run per item (kind `foreach`). */
  readonly dag?: DagDescription;
  /** One DAG per branch key (kind `branch`). */
  readonly branches?: Readonly<Record<string, DagDescription>>;
  /** Items run at once (kind `foreach`), when limited. */
  readonly maxConcurrency?: number;
}

/** JSON description of a DAG: vertices (with nested DAGs), edges, roots and terminals. Holds no functions. */
export interface DagDescription {
  readonly nodes: readonly NodeDescription[];
  readonly edges: readonly EdgeDescription[];
  readonly roots: readonly string[];
  readonly terminals: readonly string[];
  /**
   * The JSON Schema of the flow's input, when its input schema can give one (top level only; set by
   * the engine from the flow's `input` or `inputJsonSchema` option).
   */
  readonly inputSchema?: Readonly<Record<string, unknown>>;
  /**
   * The flow's `batch` option (top level only; set by the engine): executes are collected into
   * requests whose input is an array; `keyed` when batches are per key of a function.
   */
  readonly batch?: { readonly maxSize: number; readonly maxWaitMs: number; readonly keyed?: true };
}

/** Describes a validated DAG as plain JSON, vertices in topological order. */
export function describeDag(graph: DagGraph): DagDescription {
  const nodes: NodeDescription[] = [];
  const edges: EdgeDescription[] = [];
  for (const id of graph.order) {
    const node = graph.nodes.get(id);
    if (node === undefined) continue;
    nodes.push(describeNode(node));
    for (const edge of node.inEdges) {
      edges.push({
        from: edge.from,
        to: edge.to,
        ...(edge.forward === undefined ? {} : { forward: true as const }),
        ...(edge.executionOnly === true ? { executionOnly: true as const } : {}),
        ...(edge.stream === true ? { stream: true as const } : {}),
      });
    }
  }
  return { nodes, edges, roots: graph.roots, terminals: graph.terminals };
}

function describeNode(node: GraphNode): NodeDescription {
  const { vertex, parents } = node;
  const base = {
    id: vertex.id,
    kind: vertex.kind,
    parents,
    aggregator: vertex.options.aggregator !== undefined,
  };
  switch (vertex.kind) {
    case 'task': {
      const { retries, timeoutMs, backoff } = vertex.options;
      return {
        ...base,
        retries: retries ?? 0,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(backoff === undefined ? {} : { backoff: { ...backoff } }),
        fallback: vertex.options.fallback !== undefined,
        compensate: vertex.options.compensate !== undefined,
        ...(vertex.options.queue === undefined ? {} : { queue: vertex.options.queue }),
        ...(vertex.options.delayMs === undefined ? {} : { delayMs: vertex.options.delayMs }),
        ...(vertex.options.cache === undefined
          ? {}
          : { cache: { ttlMs: vertex.options.cache.ttlMs } }),
        ...(vertex.wait === undefined ? {} : { wait: { ...vertex.wait } }),
      };
    }
    case 'subdag':
    case 'foreach': {
      const inner = node.inner.get('');
      const limit = vertex.kind === 'foreach' ? vertex.options.maxConcurrency : undefined;
      return {
        ...base,
        ...(inner === undefined ? {} : { dag: describeDag(inner) }),
        ...(limit === undefined ? {} : { maxConcurrency: limit }),
      };
    }
    case 'branch':
      return {
        ...base,
        branches: Object.fromEntries(
          [...node.inner].map(([key, graph]) => [key, describeDag(graph)]),
        ),
      };
  }
}
