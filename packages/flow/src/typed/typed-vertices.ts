// How the constructs of a `TypedFlow` add their vertices to a `Dag`: through the string-id API, so
// that a typed flow compiles to what the same flow written with string ids makes.
import { Dag } from '../dag.js';
import type { StandardSchemaV1 } from '../standard-schema.js';
import type { AfterOption, InnerFlow } from './typed-options.js';
import type { Aggregator, Condition, ForEach, NodeContext } from '../types.js';

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
