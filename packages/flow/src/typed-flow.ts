import type { Dag } from './dag.js';
import type { InferSchemaInput, InferSchemaOutput, StandardSchemaV1 } from './standard-schema.js';
import type { Handler, NodeContext, NodeOptions } from './types.js';

/** Options of a node of a {@link TypedFlow}: those of `dag.node`, with typed fallback and compensation. */
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

/** What a node takes from its parents: one parent's output, or `{ [parentId]: output }` for several. */
export type ParentInput<Out, P extends readonly (keyof Out)[]> = P extends readonly [
  infer One extends keyof Out,
]
  ? Out[One]
  : { [K in P[number]]: Out[K] };

/** A node's output type: the schema's output when it has one, else what its handler returns. */
export type NodeOutput<O, S> = S extends StandardSchemaV1 ? InferSchemaOutput<S> : O;

/** A flow's result: its terminal's output, or `{ [terminalId]: output }` when it has several. */
export type ResultOf<Out, Used> = TerminalsResult<Out, Exclude<keyof Out, Used>>;

type TerminalsResult<Out, T extends keyof Out> = [T] extends [never]
  ? unknown
  : IsUnion<T> extends true
    ? { [K in T]: Out[K] }
    : Out[T];

type IsUnion<T> = [T] extends [UnionToIntersection<T>] ? false : true;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (
  i: infer I,
) => void
  ? I
  : never;

/** A new node id: any string but one the flow already has. */
type NewId<Id extends string, Out> = Id extends keyof Out ? never : Id;

type Added<Out, Id extends string, O> = Out & { [K in Id]: O };

interface TypedStep {
  readonly id: string;
  readonly parents: readonly string[];
  readonly handler: Handler<never, unknown>;
  readonly options: NodeOptions;
}

/**
 * A flow declared with types: each node's input type is its parent's output type (or, for a join,
 * `{ [parentId]: output }`), so a mismatch is a compile error; it compiles to the same vertices and
 * edges as a `Dag`. Each call returns a new builder; register the last one with
 * `FlowService.register(name, flow)`, which returns a handle with a typed `execute` and `waitForResult`.
 *
 * @typeParam In - what `execute` takes
 * @typeParam Root - what root nodes receive (the input schema's output, else `In`)
 * @typeParam Out - every node's output type, by id
 * @typeParam Used - ids of nodes that have children (the others are terminals)
 *
 * @example
 * ```ts
 * const signup = typedFlow({ input: z.object({ email: z.string().email() }) })
 *   .node('normalize', (input) => input.email.toLowerCase())
 *   .node('score', 'normalize', (email) => email.length)
 *   .node('mark', ['normalize', 'score'], ({ normalize, score }) => ({ email: normalize, score }));
 * const flow = service.register('signup', signup);
 * const id = await flow.execute({ email: 'A@B.CO' });
 * const { score } = await flow.waitForResult(id);
 * ```
 */
export class TypedFlow<In, Root, Out = object, Used = never> {
  /** Type carrier only (for {@link FlowInput}): what `execute` takes; never set at run time. */
  declare readonly inputType: In;
  /** Type carrier only (for {@link FlowResult}): the flow's result; never set at run time. */
  declare readonly resultType: ResultOf<Out, Used>;

  readonly #steps: readonly TypedStep[];

  /** @internal Use {@link typedFlow}. */
  constructor(
    /** The flow's input schema, checked at execute (see `FlowOptions.input`). */
    readonly input: StandardSchemaV1 | undefined,
    steps: readonly TypedStep[] = [],
  ) {
    this.#steps = steps;
  }

  /** Adds a root node: it receives the flow's input. */
  node<Id extends string, O, S extends StandardSchemaV1 | undefined = undefined>(
    id: NewId<Id, Out>,
    handler: Handler<Root, O>,
    options?: TypedNodeOptions<Root, O, S>,
  ): TypedFlow<In, Root, Added<Out, Id, NodeOutput<O, S>>, Used>;
  /** Adds a node after one parent: it receives that parent's output. */
  node<
    Id extends string,
    P extends keyof Out & string,
    O,
    S extends StandardSchemaV1 | undefined = undefined,
  >(
    id: NewId<Id, Out>,
    after: P,
    handler: Handler<Out[P], O>,
    options?: TypedNodeOptions<Out[P], O, S>,
  ): TypedFlow<In, Root, Added<Out, Id, NodeOutput<O, S>>, Used | P>;
  /** Adds a node after several parents (a join): it receives `{ [parentId]: output }`. */
  node<
    Id extends string,
    const P extends readonly [keyof Out & string, ...(keyof Out & string)[]],
    O,
    S extends StandardSchemaV1 | undefined = undefined,
  >(
    id: NewId<Id, Out>,
    after: P,
    handler: Handler<ParentInput<Out, P>, O>,
    options?: TypedNodeOptions<ParentInput<Out, P>, O, S>,
  ): TypedFlow<In, Root, Added<Out, Id, NodeOutput<O, S>>, Used | P[number]>;
  node(id: string, ...rest: readonly [unknown, ...unknown[]]): unknown {
    const [first, second, third] = rest;
    const rooted = typeof first === 'function';
    const parents = rooted ? [] : typeof first === 'string' ? [first] : (first as string[]);
    const step: TypedStep = {
      id,
      parents,
      handler: (rooted ? first : second) as Handler<never, unknown>,
      options: (rooted ? second : third) ?? {},
    };
    return new TypedFlow(this.input, [...this.#steps, step]);
  }

  /** Adds the nodes and edges to `dag` (what `register` does with a typed flow). */
  defineOn(dag: Dag): void {
    for (const { id, handler, options } of this.#steps) dag.node(id, handler, options);
    for (const { id, parents } of this.#steps) for (const from of parents) dag.edge(from, id);
  }
}

/** Starts a typed flow whose input is `In` (unchecked at run time). */
export function typedFlow<In = unknown>(): TypedFlow<In, In>;
/** Starts a typed flow whose input a Standard Schema checks at execute; nodes get the schema's output. */
export function typedFlow<S extends StandardSchemaV1>(options: {
  readonly input: S;
}): TypedFlow<InferSchemaInput<S>, InferSchemaOutput<S>>;
export function typedFlow(options?: {
  readonly input: StandardSchemaV1;
}): TypedFlow<unknown, unknown> {
  return new TypedFlow(options?.input);
}

/** The input type of a typed flow (what `execute` takes). */
export type FlowInput<F extends { readonly inputType: unknown }> = F['inputType'];

/** The result type of a typed flow (what `waitForResult` gives). */
export type FlowResult<F extends { readonly resultType: unknown }> = F['resultType'];
