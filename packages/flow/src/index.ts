/**
 * `@dagflow/flow` defines workflows as DAGs of async steps and validates them.
 * It has no runtime dependencies: the engine (`@dagflow/engine`) runs what is defined here.
 *
 * @example
 * ```ts
 * import { Dag, validateDag } from '@dagflow/flow';
 * const dag = new Dag().node('hello', (input: string) => `you said "${input}"`);
 * validateDag(dag); // throws DagValidationError on cycles, unknown nodes, empty DAGs
 * ```
 * @module
 */
export { Dag } from './dag.js';
export { isHandledElsewhere } from './stand-ins.js';
export { withChildFlow, withReplacedStep, withStep, withoutStep } from './dag-changes.js';
export type { NewStep } from './dag-changes.js';
export type { BranchVertex, Edge, ForEachVertex, SubDagVertex, TaskVertex, Vertex } from './dag.js';
export { describeDag } from './describe.js';
export { dagFromDefinition } from './definition/definition.js';
export type {
  DagDefinition,
  EdgeDefinition,
  FlowDefinition,
  NodeDefinition,
  Operation,
} from './definition/definition.js';
export { dagFromDescription } from './from-description.js';
export type { DagDescription, EdgeDescription, NodeDescription } from './describe.js';
export { DagflowError, DagValidationError, ErrorCode, NonRetryableError } from './errors.js';
export { validateDag } from './graph.js';
export type { DagGraph, GraphNode } from './graph.js';
export { assertValidId, isValidId } from './ids.js';
export type {
  Aggregator,
  BackoffOptions,
  CacheOptions,
  BranchOptions,
  Condition,
  Data,
  EdgeOptions,
  ForEach,
  ForEachOptions,
  Handler,
  NodeContext,
  NodeLogger,
  NodeOptions,
  RequestStore,
  StreamInput,
  SubDagOptions,
} from './types.js';
export type { ChildFlowOptions, SignalOptions, Wait, WaitForOptions } from './wait-options.js';
export { checkSchema, describeIssues, inputJsonSchemaOf } from './standard-schema.js';
export type {
  InferSchemaInput,
  InferSchemaOutput,
  SchemaCheck,
  SchemaIssue,
  StandardJsonSchemaConverter,
  StandardSchemaIssue,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaV1,
} from './standard-schema.js';
export { TypedFlow } from './typed/typed-flow.js';
export { typedFlow } from './typed/typed-flow-start.js';
export type { FlowInput, FlowResult } from './typed/typed-flow-start.js';
export type {
  AfterOption,
  BranchResults,
  InnerFlow,
  TypedAggregator,
  SignalPayload,
  TypedBranchOptions,
  TypedChildFlowOptions,
  TypedForEachOptions,
  TypedNodeOptions,
  TypedStreamNodeOptions,
  TypedSignalOptions,
  TypedSubDagOptions,
  TypedWaitForOptions,
} from './typed/typed-options.js';
export type {
  Added,
  After,
  Aggregated,
  BranchOutput,
  InputAfter,
  NewId,
  NodeOutput,
  ParentIds,
  ParentInput,
  PassedThrough,
  PickedOutputs,
  ResultOf,
} from './typed/typed-outputs.js';
