import type { Dag } from '../dag.js';
import type { InferSchemaOutput, StandardSchemaV1 } from '../standard-schema.js';
import type { PickedOutputs } from './typed-outputs.js';
import type { NodeContext, NodeOptions } from '../types.js';

/** Options of a node of a `TypedFlow`: those of `dag.node`, with typed fallback and compensation. */
export interface TypedNodeOptions<I, O, S extends StandardSchemaV1 | undefined> extends Omit<
  NodeOptions,
  'aggregator' | 'fallback' | 'compensate' | 'output'
> {
  /** Runs after the last attempt failed; its output stands in for the node's (see `NodeOptions.fallback`). */
  readonly fallback?: (
    input: I,
    ctx: NodeContext,
    error: Error,
  ) => NoInfer<O> | Promise<NoInfer<O>>;
  /** Saga compensation with the node's input and output (see `NodeOptions.compensate`). */
  readonly compensate?: (input: I, output: NoInfer<O>, ctx: NodeContext) => unknown;
  /** A Standard Schema the output must satisfy; the node's output type becomes the schema's output. */
  readonly output?: S;
}

/**
 * Options of a node of a `TypedFlow` fed by a stream edge from its one parent: `stream: true` makes
 * the edge a stream edge (`dag.edge(parent, id, { stream: true })`), and the handler's input `I` a
 * `StreamInput` of the parent's chunks whose `output()` is the parent's output.
 */
export interface TypedStreamNodeOptions<
  I,
  O,
  S extends StandardSchemaV1 | undefined,
> extends TypedNodeOptions<I, O, S> {
  /** Streams the parent's chunks (`ctx.emit`) to this node while the parent runs. */
  readonly stream: true;
}

/**
 * What the builder of an inner DAG (a branch, a for-each body, a sub-DAG) returns: a `TypedFlow`,
 * whose result is the inner DAG's output.
 */
export interface InnerFlow {
  /**
   * Type carrier: the inner DAG's output (its terminal's, or `{ [terminalId]: output }`). `any` in this
   * bound only, so that an aggregator given as a declared function is checked once the inner flows are
   * inferred, not before against `unknown` results (which would fail the call and leave the builders
   * untyped); the inferred flows carry exact results.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  readonly resultType: any;
  /** Adds its vertices and edges to the inner `Dag`. */
  defineOn(dag: Dag): void;
}

/** Each branch's result, by branch key, from the flows its builder returns (`O`). */
export type BranchResults<O> = {
  [K in keyof O]: O[K] extends InnerFlow ? O[K]['resultType'] : never;
};

/** A composite vertex's aggregator: turns what its inner DAGs output into the vertex output. */
export type TypedAggregator<Outputs, A> = (outputs: NoInfer<Outputs>) => A | Promise<A>;

/** Branches a condition returning `R` may pick: each key must have a builder. */
type BranchesOf<R> = [R] extends [readonly string[]]
  ? { readonly [K in R[number]]: unknown }
  : never;

/** Where a typed step other than `node` gets its input: the node ids it runs after. */
export interface AfterOption<P> {
  /**
   * The parent (one id) or parents (a non-empty list) the step runs after; its input follows the node
   * rules (one parent's output, `{ [parentId]: output }` for several).
   * @defaultValue none: the step is a root and gets the flow's (or its inner DAG's) input
   */
  readonly after?: P;
}

/**
 * Options of `TypedFlow.conditionalBranch`: `I` is the vertex input, `O` the flow each branch's
 * builder returns by key, `R` what the condition returns, `Builder` the empty flow a builder gets.
 */
export interface TypedBranchOptions<P, I, O, R, A, Builder> extends AfterOption<P> {
  /**
   * The keys of the branches to run (any number, in parallel). Return a tuple (`['a'] as const`, or
   * an array literal written in the option) for exact output types; an array that may be empty
   * makes the output optional per key and adds `I` (nothing picked passes the input through).
   */
  readonly condition: (input: I) => R | Promise<R>;
  /**
   * One builder per branch key: it gets an empty flow whose roots take `I`, and adds the branch's
   * nodes. Every key the condition may return needs one.
   */
  readonly branches: { readonly [K in keyof O]: (branch: Builder) => O[K] } & NoInfer<
    BranchesOf<R>
  >;
  /** Turns `{ [key]: branchResult }` of the branches that ran into the vertex output (not called when none ran). */
  readonly aggregator?: TypedAggregator<PickedOutputs<R, BranchResults<O>>, A>;
}

/**
 * Options of `TypedFlow.forEachBranch`: `I` is the vertex input, `Item` an item's input, `Body` the
 * body's builder and `O` its result.
 */
export interface TypedForEachOptions<P, I, Item, Body, O, A> extends AfterOption<P> {
  /** Splits the input into items `{ [itemKey]: itemInput }` (item keys are node-id strings). */
  readonly foreach: (
    input: I,
  ) => Readonly<Record<string, Item>> | Promise<Readonly<Record<string, Item>>>;
  /** Builds the body run once per item: it gets an empty flow whose roots take `Item`. */
  readonly body: Body;
  /**
   * Items whose body runs at once; the others wait their turn.
   * @defaultValue no limit
   */
  readonly maxConcurrency?: number;
  /** Turns `{ [itemKey]: bodyResult }` (`{}` for zero items) into the vertex output. */
  readonly aggregator?: TypedAggregator<Record<string, O>, A>;
}

/** Options of `TypedFlow.subDag`: `Sub` is the sub-DAG's builder and `O` its result. */
export interface TypedSubDagOptions<P, Sub, O, A> extends AfterOption<P> {
  /** Builds the sub-DAG: it gets an empty flow whose roots take the vertex input. */
  readonly sub: Sub;
  /** Replaces the sub-DAG's output. */
  readonly aggregator?: TypedAggregator<O, A>;
}

/** The payload type of a signal with payload schema `S` (`unknown` without one). */
export type SignalPayload<S> = S extends StandardSchemaV1 ? InferSchemaOutput<S> : unknown;

/** Options of `TypedFlow.signal`: `I` is the node input (what its fallback gets). */
export interface TypedSignalOptions<
  P,
  I,
  S extends StandardSchemaV1 | undefined,
> extends AfterOption<P> {
  /**
   * A Standard Schema of the payload: the node's output type, checked when the signal is delivered
   * (see `SignalOptions.payload`).
   * @defaultValue no check; the payload is `unknown`
   */
  readonly payload?: S;
  /**
   * Milliseconds the node waits for its signal once reached; then it fails with `SIGNAL_TIMEOUT`.
   * @defaultValue no timeout
   */
  readonly timeoutMs?: number;
  /** Runs when the node fails (its timeout): its output stands in for the payload. */
  readonly fallback?: (
    input: I,
    ctx: NodeContext,
    error: Error,
  ) => NoInfer<SignalPayload<S>> | Promise<NoInfer<SignalPayload<S>>>;
}

/**
 * Options of `TypedFlow.waitFor` (see `WaitForOptions`): `I` is the node input (what its fallback
 * gets), `S` the schema of the event's data (the node's output type).
 */
export interface TypedWaitForOptions<
  P,
  I,
  S extends StandardSchemaV1 | undefined,
> extends AfterOption<P> {
  /** The event's name, as `service.emit(event, data)` names it. */
  readonly event: string;
  /** Dotted path into the event `{ event, data }` -> `$.path` into the node's input. */
  readonly match?: Readonly<Record<string, string>>;
  /** Milliseconds the node waits once reached; then it fails with `SIGNAL_TIMEOUT`. */
  readonly timeoutMs?: number;
  /** Milliseconds before the node was reached in which a matching event also counts. */
  readonly lookbackMs?: number;
  /**
   * A Standard Schema of the event's data: the node's output type, checked when the node completes
   * (see `WaitForOptions.data`).
   * @defaultValue no check; the data is `unknown`
   */
  readonly data?: S;
  /** Runs when the node fails (its timeout): its output stands in for the event's data. */
  readonly fallback?: (
    input: I,
    ctx: NodeContext,
    error: Error,
  ) => NoInfer<SignalPayload<S>> | Promise<NoInfer<SignalPayload<S>>>;
}

/** Options of `TypedFlow.flow` whose node input is not the child's input: `input` makes it. */
export interface TypedChildFlowOptions<P, I, ChildIn> extends AfterOption<P> {
  /** Makes the child request's input from the node's input. */
  readonly input: (input: I) => ChildIn;
}
