import type { InferSchemaOutput, StandardSchemaV1 } from '../standard-schema.js';

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

/** The ids of the nodes of a flow whose outputs are `Out`. */
export type NodeId<Out> = keyof Out & string;

/** A non-empty list of node ids: the parents of a join. */
export type NodeIds<Out> = readonly [NodeId<Out>, ...NodeId<Out>[]];

/** The parents a typed step names in `after`: one node id, or a non-empty list of node ids. */
export type After<Out> = NodeId<Out> | NodeIds<Out>;

/** A Standard Schema, or `undefined` for none (a flow's input, a node's output, a signal's payload). */
export type MaybeSchema = StandardSchemaV1 | undefined;

/**
 * What a step gets with parents `P` (`never` for none): the flow's (or the enclosing sub-flow's) input
 * without parents, else what a node with those parents gets ({@link ParentInput}).
 */
export type InputAfter<Root, Out, P> = [P] extends [never]
  ? Root
  : P extends readonly (keyof Out)[]
    ? ParentInput<Out, P>
    : P extends keyof Out
      ? Out[P]
      : never;

/** The node ids `after` names. */
export type ParentIds<P> = P extends readonly string[] ? P[number] : P;

/** The output of a vertex whose aggregator returns `A` (`never`: it has none), else `Else`. */
export type Aggregated<A, Else> = [A] extends [never] ? Else : A;

/**
 * The output of a conditional branch whose condition returns `R`, given each branch's result by key
 * (`Outs`), the vertex input `I` and its aggregator's result `A` (`never`: none): `{ [key]:
 * branchResult }` of the keys picked (exact for tuples such as `['a', 'b'] as const`, optional keys
 * for arrays) or `A`, or `I` itself when the condition may pick none (the vertex then passes its input
 * through, without calling the aggregator).
 */
export type BranchOutput<R, Outs, I, A = never> =
  Aggregated<A, PickedOutputs<R, Outs>> | PassedThrough<R, I>;

/** What a branch vertex's aggregator receives: `{ [key]: branchResult }` of one or more picked keys. */
export type PickedOutputs<R, Outs> = R extends readonly []
  ? never
  : R extends readonly [unknown, ...unknown[]]
    ? Flat<TupleOutputs<R, Outs>>
    : R extends readonly (infer K)[]
      ? { [Key in K & keyof Outs]?: Outs[Key] }
      : never;

/** `I` when a condition returning `R` may pick no key (an empty array), else `never`. */
export type PassedThrough<R, I> = R extends readonly [unknown, ...unknown[]] ? never : I;

type TupleOutputs<T, Outs> = T extends readonly [infer K, ...infer Rest]
  ? (K extends keyof Outs ? { [Key in K]: Outs[Key] } : never) & TupleOutputs<Rest, Outs>
  : unknown;

type Flat<T> = T extends unknown ? { [K in keyof T]: T[K] } : never;

/** A typed flow's input and result, as a child flow's definition carries them. */
export interface ChildDefinition {
  readonly inputType: unknown;
  readonly resultType: unknown;
}

/** Refuses a child definition whose input the node's input `I` is not (then `input` must map it). */
export type Accepting<C extends ChildDefinition, I> = [I] extends [C['inputType']]
  ? C
  : C & { readonly "the node's input is not the child flow's input: map it with options.input": I };

/** A new node id: any string but one the flow already has. */
export type NewId<Id extends string, Out> = Id extends keyof Out ? never : Id;

/** `Out` with node `Id` of output `O` added. */
export type Added<Out, Id extends string, O> = Out & { [K in Id]: O };
