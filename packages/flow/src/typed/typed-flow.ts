import type { Dag } from '../dag.js';
import type {
  AfterOption,
  BranchResults,
  InnerFlow,
  SignalPayload,
  TypedBranchOptions,
  TypedChildFlowOptions,
  TypedForEachOptions,
  TypedNodeOptions,
  TypedSignalOptions,
  TypedStreamNodeOptions,
  TypedSubDagOptions,
  TypedWaitForOptions,
} from './typed-options.js';
import type {
  Accepting,
  After,
  Aggregated,
  BranchOutput,
  ChildDefinition,
  InputAfter,
  NodeOutput,
  ParentIds,
  ParentInput,
  Added,
  NewId,
  NodeId,
  NodeIds,
  MaybeSchema,
  ResultOf,
} from './typed-outputs.js';
import type { Handler, StreamInput } from '../types.js';
import {
  type ChildStep,
  type EmptyFlow,
  type TypedStep,
  addBranch,
  addChildFlow,
  addForEach,
  addSignal,
  addSubDag,
  defineSteps,
  nodeStep,
  parentsOf,
} from './typed-vertices.js';

/** The builder an inner DAG's function gets: its roots take `I`. */
type Inner<I> = TypedFlow<I, I>;
/**
 * A flow declared with types: each step's input type is its parent's output type (or, for a join,
 * `{ [parentId]: output }`), so a mismatch is a compile error; it compiles to the same vertices and
 * edges as a `Dag`. Besides `node` it has every construct of `Dag`, typed as the engine delivers their
 * outputs: `conditionalBranch`, `forEachBranch`, `subDag`, `signal`, `waitFor`, `sleep` and `flow` (a child
 * flow); these name their parents in `after`. A node with one parent and `{ stream: true }` is fed by a
 * stream edge (its input a `StreamInput`). Each call returns a new builder; register the last one
 * with `FlowService.register(name, flow)`, which returns a handle with a typed `execute` and
 * `waitForResult`.
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
 *   .signal('approve', { after: 'score', payload: z.object({ ok: z.boolean() }) })
 *   .node('mark', ['normalize', 'approve'], ({ normalize, approve }) => ({ email: normalize, ...approve }));
 * const flow = service.register('signup', signup);
 * const id = await flow.execute({ email: 'A@B.CO' });
 * await service.signal('signup', id, 'approve', { ok: true });
 * const { ok } = await flow.waitForResult(id);
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
    readonly input: MaybeSchema,
    steps: readonly TypedStep[] = [],
  ) {
    this.#steps = steps;
  }

  /** Adds a root node: it receives the flow's input. */
  node<Id extends string, O, S extends MaybeSchema = undefined>(
    id: NewId<Id, Out>,
    handler: Handler<Root, O>,
    options?: TypedNodeOptions<Root, O, S>,
  ): TypedFlow<In, Root, Added<Out, Id, NodeOutput<O, S>>, Used>;
  /**
   * Adds a node fed by a stream edge from its one parent (`{ stream: true }`, see `EdgeOptions.stream`):
   * it starts when the parent's attempt does, and receives a `StreamInput` of the parent's chunks
   * (`unknown`, or `C` of an annotation such as `StreamInput<string, ParentOutput>`) whose `output()`
   * is the parent's output.
   */
  node<Id extends string, P extends NodeId<Out>, O, C = unknown, S extends MaybeSchema = undefined>(
    id: NewId<Id, Out>,
    after: P,
    handler: Handler<StreamInput<C, Out[P]>, O>,
    options: TypedStreamNodeOptions<StreamInput<C, Out[P]>, O, S>,
  ): TypedFlow<In, Root, Added<Out, Id, NodeOutput<O, S>>, Used | P>;
  /** Adds a node after one parent: it receives that parent's output. */
  node<Id extends string, P extends NodeId<Out>, O, S extends MaybeSchema = undefined>(
    id: NewId<Id, Out>,
    after: P,
    handler: Handler<Out[P], O>,
    options?: TypedNodeOptions<Out[P], O, S>,
  ): TypedFlow<In, Root, Added<Out, Id, NodeOutput<O, S>>, Used | P>;
  /** Adds a node after several parents (a join): it receives `{ [parentId]: output }`. */
  node<Id extends string, const P extends NodeIds<Out>, O, S extends MaybeSchema = undefined>(
    id: NewId<Id, Out>,
    after: P,
    handler: Handler<ParentInput<Out, P>, O>,
    options?: TypedNodeOptions<ParentInput<Out, P>, O, S>,
  ): TypedFlow<In, Root, Added<Out, Id, NodeOutput<O, S>>, Used | P[number]>;
  node(id: string, ...rest: readonly [unknown, ...unknown[]]): unknown {
    return new TypedFlow(this.input, [...this.#steps, nodeStep(id, rest)]);
  }

  /**
   * Adds a conditional branch (see `Dag.conditionalBranch`): `condition` picks branch keys of
   * `branches`, whose builders add each branch's nodes. The output is `{ [key]: branchResult }` of the
   * keys picked (through `aggregator` when given), or the vertex input when none was picked: a
   * condition typed to return a non-empty tuple never passes its input through.
   *
   * @example
   * ```ts
   * typedFlow<{ age: number }>()
   *   .conditionalBranch('age', {
   *     condition: (p) => (p.age >= 18 ? (['adult'] as const) : (['minor'] as const)),
   *     branches: { adult: (b) => b.node('hi', () => 'welcome'), minor: (b) => b.node('ask', () => 1) },
   *   })
   *   .node('done', 'age', (out) => ('adult' in out ? out.adult : out.minor));
   * ```
   */
  conditionalBranch<
    Id extends string,
    const O extends Readonly<Record<string, InnerFlow>>,
    const R extends readonly string[],
    const P extends After<Out> = never,
    A = never,
  >(
    id: NewId<Id, Out>,
    options: TypedBranchOptions<
      P,
      InputAfter<Root, Out, P>,
      O,
      R,
      A,
      Inner<InputAfter<Root, Out, P>>
    >,
  ): TypedFlow<
    In,
    Root,
    Added<Out, Id, BranchOutput<R, BranchResults<O>, InputAfter<Root, Out, P>, A>>,
    Used | ParentIds<P>
  > {
    return this.#with(id, options, (dag) => addBranch(dag, id, options, empty)) as never;
  }

  /**
   * Adds a for-each (see `Dag.forEachBranch`): `foreach` splits the input into items, `body` builds
   * the DAG each item runs. The output is `{ [itemKey]: bodyResult }` (`{}` for zero items), or what
   * `aggregator` makes of it.
   */
  forEachBranch<
    Id extends string,
    Item,
    F extends InnerFlow,
    const P extends After<Out> = never,
    A = never,
  >(
    id: NewId<Id, Out>,
    options: TypedForEachOptions<
      P,
      InputAfter<Root, Out, P>,
      Item,
      (item: Inner<Item>) => F,
      F['resultType'],
      A
    >,
  ): TypedFlow<
    In,
    Root,
    Added<Out, Id, Aggregated<A, Record<string, F['resultType']>>>,
    Used | ParentIds<P>
  > {
    return this.#with(id, options, (dag) => addForEach(dag, id, options, empty)) as never;
  }

  /**
   * Adds a sub-DAG (see `Dag.subDag`) that `sub` builds; its roots get the vertex input. The output is
   * the sub-DAG's result (its terminal's output, or `{ [terminalId]: output }`), or what `aggregator`
   * makes of it.
   */
  subDag<Id extends string, F extends InnerFlow, const P extends After<Out> = never, A = never>(
    id: NewId<Id, Out>,
    options: TypedSubDagOptions<P, (sub: Inner<InputAfter<Root, Out, P>>) => F, F['resultType'], A>,
  ): TypedFlow<In, Root, Added<Out, Id, Aggregated<A, F['resultType']>>, Used | ParentIds<P>> {
    return this.#with(id, options, (dag) => addSubDag(dag, id, options, empty)) as never;
  }

  /**
   * Adds a signal node (see `Dag.signal`): its output is the payload `service.signal(flow, requestId,
   * id, payload)` delivers, typed (and checked) by the `payload` schema, else `unknown`.
   */
  signal<Id extends string, const P extends After<Out> = never, S extends MaybeSchema = undefined>(
    id: NewId<Id, Out>,
    options: TypedSignalOptions<P, InputAfter<Root, Out, P>, S> = {},
  ): TypedFlow<In, Root, Added<Out, Id, SignalPayload<S>>, Used | ParentIds<P>> {
    return this.#with(id, options, (dag) => addSignal(dag, id, options)) as never;
  }

  /**
   * Adds a node that waits for an event (see `Dag.waitFor`): its output is the matching event's data,
   * typed (and checked) by the `data` schema, else `unknown`.
   */
  waitFor<Id extends string, const P extends After<Out> = never, S extends MaybeSchema = undefined>(
    id: NewId<Id, Out>,
    options: TypedWaitForOptions<P, InputAfter<Root, Out, P>, S>,
  ): TypedFlow<In, Root, Added<Out, Id, SignalPayload<S>>, Used | ParentIds<P>> {
    const { after: _after, ...wait } = options;
    return this.#with(id, options, (dag) => dag.waitFor(id, wait)) as never;
  }

  /** Adds a sleep (see `Dag.sleep`): it passes its input on `ms` ms after it became ready. */
  sleep<Id extends string, const P extends After<Out> = never>(
    id: NewId<Id, Out>,
    ms: number,
    options: AfterOption<P> = {},
  ): TypedFlow<In, Root, Added<Out, Id, InputAfter<Root, Out, P>>, Used | ParentIds<P>> {
    return this.#with(id, options, (dag) => dag.sleep(id, ms)) as never;
  }

  /**
   * Adds a child-flow node (see `Dag.flow`) that runs the flow registered as `name`, whose typed
   * definition is `definition` (only its types are used): the node outputs the child's result, and
   * `options.input` makes the child's input from the node's input.
   *
   * @example
   * ```ts
   * const payments = typedFlow<{ cents: number }>().node('charge', (p) => ({ paid: p.cents }));
   * typedFlow<{ total: number }>()
   *   .node('order', (o) => o)
   *   .flow('pay', 'payments', payments, { after: 'order', input: (o) => ({ cents: o.total * 100 }) })
   *   .node('receipt', 'pay', (r) => `paid ${r.paid}`);
   * ```
   */
  flow<Id extends string, C extends ChildDefinition, const P extends After<Out> = never>(
    id: NewId<Id, Out>,
    name: string,
    definition: C,
    options: TypedChildFlowOptions<P, InputAfter<Root, Out, P>, C['inputType']>,
  ): TypedFlow<In, Root, Added<Out, Id, C['resultType']>, Used | ParentIds<P>>;
  /** Adds a child-flow node whose input is the child's input as it is. */
  flow<Id extends string, C extends ChildDefinition, const P extends After<Out> = never>(
    id: NewId<Id, Out>,
    name: string,
    definition: Accepting<C, InputAfter<Root, Out, P>>,
    options?: AfterOption<P>,
  ): TypedFlow<In, Root, Added<Out, Id, C['resultType']>, Used | ParentIds<P>>;
  flow(id: string, name: string, _definition: ChildDefinition, options: ChildStep = {}): unknown {
    return this.#with(id, options, (dag) => addChildFlow(dag, { id, name }, options));
  }

  /** Adds the nodes and edges to `dag` (what `register` does with a typed flow). */
  defineOn(dag: Dag): void {
    defineSteps(dag, this.#steps);
  }

  #with(
    id: string,
    after: AfterOption<string | readonly string[]>,
    addTo: (dag: Dag) => void,
  ): unknown {
    return new TypedFlow(this.input, [...this.#steps, { id, parents: parentsOf(after), addTo }]);
  }
}

/** The empty flow an inner DAG's builder starts from. */
const empty: EmptyFlow = () => new TypedFlow(undefined) as never;
