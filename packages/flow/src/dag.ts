import { handledElsewhere } from './stand-ins.js';
import { DagValidationError, ErrorCode } from './errors.js';
import { assertValidId } from './ids.js';
import { assertValidOptions } from './node-options.js';
import type {
  BranchOptions,
  Condition,
  EdgeOptions,
  ForEach,
  ForEachOptions,
  Handler,
  NodeOptions,
  SubDagOptions,
} from './types.js';
import type { ChildFlowOptions, SignalOptions, Wait, WaitForOptions } from './wait-options.js';
import { type WaitParts, childFlowParts, eventParts, signalParts, sleepParts } from './waits.js';

/** A node that runs a handler. */
export interface TaskVertex {
  readonly kind: 'task';
  readonly id: string;
  readonly handler: Handler<never, unknown>;
  readonly options: NodeOptions;
  /** Set for a signal, sleep or child-flow node: what it waits for (see {@link Wait}). */
  readonly wait?: Wait;
}

/** A vertex that runs another DAG as one step. */
export interface SubDagVertex {
  readonly kind: 'subdag';
  readonly id: string;
  readonly dag: Dag;
  readonly options: SubDagOptions;
}

/** A vertex that runs the branches its condition selects, in parallel. */
export interface BranchVertex {
  readonly kind: 'branch';
  readonly id: string;
  readonly branches: ReadonlyMap<string, Dag>;
  readonly condition: Condition<never>;
  readonly options: BranchOptions;
}

/** A vertex that runs its body once per item, in parallel. */
export interface ForEachVertex {
  readonly kind: 'foreach';
  readonly id: string;
  readonly body: Dag;
  readonly foreach: ForEach<never>;
  readonly options: ForEachOptions;
}

/** Every kind of vertex a DAG can hold. */
export type Vertex = TaskVertex | SubDagVertex | BranchVertex | ForEachVertex;

/** A directed edge: `to` runs after `from` and receives its output (unless `executionOnly`). */
export interface Edge extends EdgeOptions {
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
    assertValidOptions(id, options);
    return this.#add({ kind: 'task', id, handler, options });
  }

  /**
   * Adds a node whose handler lives in another service: it runs on `queue`, in the processes that
   * `handle()` it there. Its handler here only fails, should a job ever reach this process.
   * @throws DagValidationError `DAG_INVALID_ID`, `DAG_DUPLICATE_NODE`, `DAG_INVALID_OPTION`
   */
  remote(
    id: string,
    queue: string,
    options: Omit<NodeOptions, 'queue' | 'fallback' | 'compensate'> = {},
  ): this {
    return this.node(id, handledElsewhere(id, queue), { ...options, queue });
  }

  /**
   * Adds a node that waits, holding no worker, for the payload `service.signal(flow, requestId, id,
   * payload)` delivers (a signal delivered before the node is reached is kept); that payload is its
   * output. With `timeoutMs` it fails with `SIGNAL_TIMEOUT` when no signal came in time.
   * @throws DagValidationError `DAG_INVALID_ID`, `DAG_DUPLICATE_NODE`, `DAG_INVALID_OPTION`
   * @example
   * ```ts
   * dag.signal('approve', { timeoutMs: 86_400_000 });
   * ```
   */
  signal(id: string, options: SignalOptions = {}): this {
    return this.#addWait(id, signalParts(id, options));
  }

  /**
   * Adds a node that waits, holding no worker, for the first event named `options.event` that
   * `service.emit(event, data)` emits after the node was reached (or within `lookbackMs` before) and
   * that matches it: each `match` key (a dotted path into `{ event, data }`) must equal what its `$.path`
   * picks from the node's input. The event's data is its output. With `timeoutMs` it fails with
   * `SIGNAL_TIMEOUT` when no event came in time.
   * @throws DagValidationError `DAG_INVALID_ID`, `DAG_DUPLICATE_NODE`, `DAG_INVALID_OPTION`
   * @example
   * ```ts
   * dag.waitFor('paid', { event: 'payment.succeeded', match: { 'data.orderId': '$.orderId' } });
   * ```
   */
  waitFor(id: string, options: WaitForOptions): this {
    return this.#addWait(id, eventParts(id, options));
  }

  /**
   * Adds a node that passes its input through `ms` milliseconds after it became ready: its successors
   * start after the delay, and no worker slot is held meanwhile.
   * @throws DagValidationError `DAG_INVALID_ID`, `DAG_DUPLICATE_NODE`, `DAG_INVALID_OPTION`
   */
  sleep(id: string, ms: number): this {
    assertValidOptions(id, { delayMs: ms });
    return this.#addWait(id, sleepParts(ms));
  }

  /**
   * Adds a node that runs the registered flow `flow` as a child request (input: the node's input, or
   * `options.input` of it) and completes with the child's result, or fails with its error. It holds no
   * worker while the child runs; stopping the parent stops the child, rerunning it reruns the child.
   * @throws DagValidationError `DAG_INVALID_ID`, `DAG_DUPLICATE_NODE`
   */
  flow(id: string, flow: string, options: ChildFlowOptions = {}): this {
    return this.#addWait(id, childFlowParts(flow, options));
  }

  #addWait(id: string, parts: WaitParts): this {
    return this.#add({ kind: 'task', id, ...parts });
  }

  /**
   * Adds a vertex that runs `sub` as one step: its roots get the vertex input, and its output follows the
   * flow-result rule (the terminal's output, or `{ [terminalId]: output }`). One Dag may be used many times.
   * @throws DagValidationError `DAG_INVALID_ID`, `DAG_DUPLICATE_NODE`
   */
  subDag(id: string, sub: Dag, options: SubDagOptions = {}): this {
    return this.#add({ kind: 'subdag', id, dag: sub, options });
  }

  /**
   * Adds a vertex that runs, in parallel on its input, the branches whose keys `condition(input)` returns.
   * Its output is `{ [key]: branchOutput }` (or the aggregator's result); with no key selected it passes
   * its input through. Returns one empty Dag per key for you to fill.
   * @throws DagValidationError `DAG_INVALID_ID`, `DAG_DUPLICATE_NODE`
   *
   * @example
   * ```ts
   * const { adult, minor } = dag.conditionalBranch('age', ['adult', 'minor'], (p: { age: number }) =>
   *   p.age >= 18 ? ['adult'] : ['minor']);
   * adult.node('welcome', welcome);
   * minor.node('ask-parent', askParent);
   * ```
   */
  conditionalBranch<I, K extends string>(
    id: string,
    keys: readonly K[],
    condition: Condition<I>,
    options: BranchOptions = {},
  ): Record<K, Dag> {
    for (const key of keys) assertValidId(key, 'node');
    const duplicate = keys.find((key, i) => keys.indexOf(key) !== i);
    if (duplicate !== undefined) {
      throw new DagValidationError(
        ErrorCode.DAG_DUPLICATE_NODE,
        `Branch key '${duplicate}' of '${id}' is declared twice.`,
        [`${id}/${duplicate}`],
      );
    }
    const branches = new Map(keys.map((key) => [key, new Dag()] as const));
    this.#add({ kind: 'branch', id, branches, condition, options });
    return Object.fromEntries(branches) as Record<K, Dag>;
  }

  /**
   * Adds a vertex that runs the returned body Dag once per item of `foreach(input)`
   * (`{ [itemKey]: itemInput }`), in parallel; its output is `{ [itemKey]: itemOutput }` (or the
   * aggregator's result). Zero items is valid and outputs `{}`.
   * @throws DagValidationError `DAG_INVALID_ID`, `DAG_DUPLICATE_NODE`, `DAG_INVALID_OPTION`
   */
  forEachBranch<I>(id: string, foreach: ForEach<I>, options: ForEachOptions = {}): Dag {
    const { maxConcurrency } = options;
    if (maxConcurrency !== undefined && !(Number.isInteger(maxConcurrency) && maxConcurrency > 0)) {
      throw new DagValidationError(
        ErrorCode.DAG_INVALID_OPTION,
        `For-each '${id}' has invalid options: maxConcurrency must be an integer > 0 (got ${String(maxConcurrency)}).`,
        [id],
      );
    }
    const body = new Dag();
    this.#add({ kind: 'foreach', id, body, foreach, options });
    return body;
  }

  /**
   * Adds an edge: `to` runs after `from` and receives its output, through `forward` when given, or
   * nothing when `executionOnly`. Checked when the DAG is validated.
   */
  edge(from: string, to: string, options: EdgeOptions = {}): this {
    this.#edges.push({ ...options, from, to });
    return this;
  }

  #add(vertex: Vertex): this {
    assertValidId(vertex.id, 'node');
    if (this.#vertices.has(vertex.id)) {
      throw new DagValidationError(
        ErrorCode.DAG_DUPLICATE_NODE,
        `Node '${vertex.id}' is defined twice; node ids must be unique within a DAG.`,
        [vertex.id],
      );
    }
    this.#vertices.set(vertex.id, vertex);
    return this;
  }

  /**
   * A DAG of these vertices and edges, for run-time changes of a registered flow.
   * @internal
   */
  static from(vertices: readonly Vertex[], edges: readonly Edge[]): Dag {
    const dag = new Dag();
    for (const vertex of vertices) dag.#add(vertex);
    dag.#edges.push(...edges);
    return dag;
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
