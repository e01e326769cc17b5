import { DagValidationError, ErrorCode } from './errors.js';
import { assertValidId } from './ids.js';
import type { Handler, NodeOptions } from './types.js';

/** A node that runs a handler. */
export interface TaskVertex {
  readonly kind: 'task';
  readonly id: string;
  readonly handler: Handler<never, unknown>;
  readonly options: NodeOptions;
}

/** Every kind of vertex a DAG can hold. */
export type Vertex = TaskVertex;

/** A directed edge: `to` runs after `from` and receives its output. */
export interface Edge {
  readonly from: string;
  readonly to: string;
}

/**
 * The definition of a flow: nodes (async steps) and the edges between them.
 *
 * @example
 * ```ts
 * const kyc = (dag: Dag) => {
 *   dag.node('get-image', getImage, { retries: 3, timeoutMs: 5_000 });
 *   dag.node('face-detect', detectFace);
 *   dag.node('face-match', matchFace);
 *   dag.node('mark-profile', markProfile);
 *   dag.edge('get-image', 'face-detect');
 *   dag.edge('get-image', 'face-match');
 *   dag.edge('face-detect', 'mark-profile');
 *   dag.edge('face-match', 'mark-profile');
 * };
 * ```
 */
export class Dag {
  readonly #vertices = new Map<string, Vertex>();
  readonly #edges: Edge[] = [];

  /**
   * Adds a node that runs `handler`.
   * @throws DagValidationError `DAG_INVALID_ID` for a malformed id, `DAG_DUPLICATE_NODE` if the id is taken,
   *   `DAG_INVALID_OPTION` for out-of-range options.
   */
  node<I, O>(id: string, handler: Handler<I, O>, options: NodeOptions = {}): this {
    assertValidId(id, 'node');
    if (this.#vertices.has(id)) {
      throw new DagValidationError(
        ErrorCode.DAG_DUPLICATE_NODE,
        `Node '${id}' is defined twice; node ids must be unique within a DAG.`,
        [id],
      );
    }
    assertValidOptions(id, options);
    this.#vertices.set(id, { kind: 'task', id, handler: handler as Handler<never, unknown>, options });
    return this;
  }

  /** Adds an edge: `to` runs after `from` and receives its output. Checked when the DAG is validated. */
  edge(from: string, to: string): this {
    this.#edges.push({ from, to });
    return this;
  }

  /** The vertices in the order they were added. */
  get vertices(): readonly Vertex[] {
    return [...this.#vertices.values()];
  }

  /** The edges in the order they were added. */
  get edges(): readonly Edge[] {
    return this.#edges;
  }
}

function assertValidOptions(id: string, options: NodeOptions): void {
  const problems: string[] = [];
  const { retries, timeoutMs, backoff } = options;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    problems.push(`retries must be an integer >= 0 (got ${String(retries)})`);
  }
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    problems.push(`timeoutMs must be a number > 0 (got ${String(timeoutMs)})`);
  }
  if (backoff !== undefined && !(Number.isFinite(backoff.delayMs) && backoff.delayMs >= 0)) {
    problems.push(`backoff.delayMs must be a number >= 0 (got ${String(backoff.delayMs)})`);
  }
  if (backoff !== undefined && backoff.type !== 'fixed' && backoff.type !== 'exponential') {
    problems.push(`backoff.type must be 'fixed' or 'exponential' (got ${String(backoff.type)})`);
  }
  if (problems.length > 0) {
    throw new DagValidationError(
      ErrorCode.DAG_INVALID_OPTION,
      `Node '${id}' has invalid options: ${problems.join('; ')}.`,
      [id],
    );
  }
}
