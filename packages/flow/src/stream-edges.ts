import type { Dag, Edge, Vertex } from './dag.js';
import { DagValidationError, ErrorCode } from './errors.js';

/**
 * Checks the stream edges of one DAG (`dag.edge(from, to, { stream: true })`): both ends are plain task
 * nodes (no sub-DAG, branch or for-each, no signal, sleep or child flow), the edge neither forwards nor
 * orders only, and it is `to`'s only edge in (its input is the stream, nothing else).
 * @throws DagValidationError `DAG_INVALID_OPTION`, naming both ends
 */
export function checkStreamEdges(
  dag: Dag,
  inEdges: ReadonlyMap<string, readonly Edge[]>,
  at: (id: string) => string,
): void {
  const vertices = new Map(dag.vertices.map((vertex) => [vertex.id, vertex]));
  for (const edge of dag.edges) {
    if (edge.stream !== true) continue;
    const where = `Stream edge '${at(edge.from)}' -> '${at(edge.to)}'`;
    const refuse = (why: string): never => {
      throw new DagValidationError(ErrorCode.DAG_INVALID_OPTION, `${where} ${why}`, [
        at(edge.from),
        at(edge.to),
      ]);
    };
    if (edge.forward !== undefined || edge.executionOnly === true) {
      refuse('cannot forward or be execution-only: it passes the chunks as they are.');
    }
    for (const id of [edge.from, edge.to]) {
      const problem = plainTaskProblem(vertices.get(id));
      if (problem !== undefined) refuse(`joins '${at(id)}', ${problem}; both ends must be tasks.`);
    }
    const into = inEdges.get(edge.to) ?? [];
    if (into.length !== 1) {
      refuse(
        `must be the only edge into '${at(edge.to)}' (it has ${into.length}): a stream consumer's input is the stream.`,
      );
    }
  }
}

/** Why a vertex cannot end a stream edge, or undefined for a plain task node. */
function plainTaskProblem(vertex: Vertex | undefined): string | undefined {
  if (vertex === undefined) return undefined;
  if (vertex.kind !== 'task')
    return `a ${vertex.kind === 'subdag' ? 'sub-DAG' : vertex.kind} vertex`;
  if (vertex.wait !== undefined) return `a node that waits (${vertex.wait.kind})`;
  return undefined;
}
