// How the constructs of a `TypedFlow` add their vertices to a `Dag`: through the string-id API, so
// that a typed flow compiles to what the same flow written with string ids makes.
import { Dag } from '../dag.js';
import { DagValidationError, ErrorCode } from '../errors.js';
import type { StandardSchemaV1 } from '../standard-schema.js';
import type { AfterOption, InnerFlow } from './typed-options.js';
import type {
  Aggregator,
  Condition,
  ForEach,
  Handler,
  NodeContext,
  NodeOptions,
} from '../types.js';

/** One step of a typed flow: its vertex, added first, and its parents, whose edges come after. */
export interface TypedStep {
  readonly id: string;
  readonly parents: readonly string[];
  /** Its one parent's edge is a stream edge (`TypedStreamNodeOptions`). */
  readonly stream?: true;
  /** Adds the step's vertex (its edges are added after every vertex, as `defineOn` documents). */
  readonly addTo: (dag: Dag) => void;
}

/** Adds every step's vertex, then every edge (an edge needs both its ends). */
export function defineSteps(dag: Dag, steps: readonly TypedStep[]): void {
  for (const { addTo } of steps) addTo(dag);
  for (const { id, parents, stream } of steps)
    for (const from of parents) dag.edge(from, id, stream === true ? { stream } : {});
}

/**
 * The step of `TypedFlow.node(id, ...rest)`: `rest` is `(handler, options?)` or `(after, handler,
 * options?)`; `options.stream` makes the edge from the one parent a stream edge.
 * @throws DagValidationError `DAG_INVALID_OPTION` for `stream` without exactly one parent
 */
export function nodeStep(id: string, rest: readonly unknown[]): TypedStep {
  const [first, second, third] = rest;
  const rooted = typeof first === 'function';
  const parents = rooted ? [] : typeof first === 'string' ? [first] : (first as string[]);
  const handler = (rooted ? first : second) as Handler<never, unknown>;
  const { stream, ...options } = ((rooted ? second : third) ?? {}) as NodeOptions & {
    readonly stream?: boolean;
  };
  if (stream === true && parents.length !== 1) {
    throw new DagValidationError(
      ErrorCode.DAG_INVALID_OPTION,
      `Node '${id}' has stream: true with ${parents.length} parents: a stream edge comes from the node's one parent.`,
      [id],
    );
  }
  return {
    id,
    parents,
    ...(stream === true ? { stream } : {}),
    addTo: (dag) => dag.node(id, handler, options),
  };
}

/** The options of a child-flow step as `TypedFlow.flow` takes them at run time. */
export interface ChildStep extends AfterOption<string | readonly string[]> {
  readonly input?: (input: never) => unknown;
}

/** Adds a child-flow node running the flow registered as `name`, with its input mapping if any. */
export function addChildFlow(
  dag: Dag,
  child: { readonly id: string; readonly name: string },
  options: ChildStep,
): void {
  const { input } = options;
  dag.flow(child.id, child.name, input === undefined ? {} : { input });
}

/** Gives an inner DAG's builder the empty typed flow it starts from. */
export type EmptyFlow = () => never;

/** An inner DAG's builder: adds nodes to the empty flow it gets and returns the result. */
type Build = (inner: never) => InnerFlow;

/** The parent ids of `after`: none, one, or the list. */
export function parentsOf(options: AfterOption<string | readonly string[]>): readonly string[] {
  const { after } = options;
  return after === undefined ? [] : typeof after === 'string' ? [after] : after;
}

/** Adds a conditional branch whose branches the builders of `options.branches` fill. */
export function addBranch(
  dag: Dag,
  id: string,
  options: {
    readonly condition: Condition<never>;
    readonly branches: object;
    aggregator?: unknown;
  },
  empty: EmptyFlow,
): void {
  const builds = Object.entries(options.branches) as [string, Build][];
  const added = dag.conditionalBranch(
    id,
    builds.map(([key]) => key),
    options.condition,
    aggregatorOf(options),
  );
  for (const [key, build] of builds) fill(added[key] as Dag, build, empty);
}

/** Adds a for-each whose body `options.body` builds. */
export function addForEach(
  dag: Dag,
  id: string,
  options: {
    readonly foreach: ForEach<never>;
    readonly body: Build;
    readonly aggregator?: unknown;
    readonly maxConcurrency?: number;
  },
  empty: EmptyFlow,
): void {
  const { maxConcurrency } = options;
  const limit = maxConcurrency === undefined ? {} : { maxConcurrency };
  const body = dag.forEachBranch(id, options.foreach, { ...aggregatorOf(options), ...limit });
  fill(body, options.body, empty);
}

/** Adds a sub-DAG that `options.sub` builds. */
export function addSubDag(
  dag: Dag,
  id: string,
  options: { readonly sub: Build; readonly aggregator?: unknown },
  empty: EmptyFlow,
): void {
  dag.subDag(id, fill(new Dag(), options.sub, empty), aggregatorOf(options));
}

/** Adds a signal node with the options given (none unset passed on). */
export function addSignal(
  dag: Dag,
  id: string,
  options: {
    readonly timeoutMs?: number;
    readonly fallback?: (input: never, ctx: NodeContext, error: Error) => unknown;
    readonly payload?: StandardSchemaV1 | undefined;
  },
): void {
  const { timeoutMs, fallback, payload } = options;
  dag.signal(id, {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(fallback === undefined ? {} : { fallback }),
    ...(payload === undefined ? {} : { payload }),
  });
}

/** Fills `dag` with what `build` adds to an empty typed flow; answers `dag`. */
function fill(dag: Dag, build: Build, empty: EmptyFlow): Dag {
  build(empty()).defineOn(dag);
  return dag;
}

function aggregatorOf(options: { readonly aggregator?: unknown }): { aggregator?: Aggregator } {
  const { aggregator } = options;
  return aggregator === undefined ? {} : { aggregator: aggregator as Aggregator };
}
