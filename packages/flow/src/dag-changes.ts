import { Dag, type Edge, type TaskVertex } from './dag.js';
import { DagValidationError, ErrorCode } from './errors.js';
import type { Handler, NodeOptions } from './types.js';

/** A step to add to a registered flow at run time. */
export interface NewStep {
  readonly id: string;
  readonly handler: Handler<never, unknown>;
  readonly options?: NodeOptions;
  /** Steps that run before it (its parents). */
  readonly after?: readonly string[];
  /** Steps that run after it (its children). */
  readonly before?: readonly string[];
}

/** The DAG with one more task, wired after and before the given steps. Validate the result. */
export function withStep(dag: Dag, step: NewStep): Dag {
  const next = Dag.from(dag.vertices, dag.edges);
  next.node(step.id, step.handler, step.options);
  for (const parent of step.after ?? []) next.edge(parent, step.id);
  for (const child of step.before ?? []) next.edge(step.id, child);
  return next;
}

/**
 * The DAG without the task `id`; its parents are wired to its children, so the flow stays connected.
 * @throws DagValidationError `DAG_UNKNOWN_NODE` when the DAG has no such task
 */
export function withoutStep(dag: Dag, id: string): Dag {
  taskOf(dag, id);
  const parents = dag.edges.filter((edge) => edge.to === id).map((edge) => edge.from);
  const children = dag.edges.filter((edge) => edge.from === id).map((edge) => edge.to);
  const kept = dag.edges.filter((edge) => edge.from !== id && edge.to !== id);
  const bridges: Edge[] = parents.flatMap((from) =>
    children
      .filter((to) => !kept.some((edge) => edge.from === from && edge.to === to))
      .map((to) => ({ from, to })),
  );
  return Dag.from(
    dag.vertices.filter((vertex) => vertex.id !== id),
    [...kept, ...bridges],
  );
}

/**
 * The DAG with task `id` running another handler (and options, when given), wired as before.
 * @throws DagValidationError `DAG_UNKNOWN_NODE` when the DAG has no such task
 */
export function withReplacedStep(
  dag: Dag,
  id: string,
  handler: Handler<never, unknown>,
  options?: NodeOptions,
): Dag {
  const old = taskOf(dag, id);
  // Built through node() so that the new options are checked like any others.
  const [replacement] = new Dag().node(id, handler, options ?? old.options).vertices;
  return Dag.from(
    dag.vertices.map((vertex) =>
      vertex.id === id && replacement !== undefined ? replacement : vertex,
    ),
    dag.edges,
  );
}

/**
 * The DAG with task `id` made a child-flow node that runs the registered flow `flow` (`dag.flow`),
 * wired as before: the run-time form of the declarative `flow` operation.
 * @throws DagValidationError `DAG_UNKNOWN_NODE` when the DAG has no such task, `DAG_INVALID_ID`
 */
export function withChildFlow(dag: Dag, id: string, flow: string): Dag {
  taskOf(dag, id);
  const [replacement] = new Dag().flow(id, flow).vertices;
  return Dag.from(
    dag.vertices.map((vertex) =>
      vertex.id === id && replacement !== undefined ? replacement : vertex,
    ),
    dag.edges,
  );
}

function taskOf(dag: Dag, id: string): TaskVertex {
  const vertex = dag.vertices.find((candidate) => candidate.id === id);
  if (vertex?.kind !== 'task') {
    throw new DagValidationError(
      ErrorCode.DAG_UNKNOWN_NODE,
      `The flow has no top-level step '${id}' to change.`,
      [id],
    );
  }
  return vertex;
}
