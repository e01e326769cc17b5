import type {
  BranchVertex,
  ForEachVertex,
  NodeOptions,
  SubDagVertex,
  TaskVertex,
} from '@dagflow/flow';
import type { JobsOptions } from 'bullmq';

/** A parent whose output feeds a vertex's input. */
export interface DataParent {
  readonly id: string;
  /** Template of the data field holding the parent's output. */
  readonly field: string;
  readonly forward?: (output: unknown) => unknown;
}

/** A step to release when this one completes, and how many completions it waits for (0: set at run time). */
export interface Release {
  /** Template of the released step's path. */
  readonly step: string;
  readonly parents: number;
  /**
   * The released step's only input is this step's output: it travels in the job data, and the step
   * starts without reading Redis (see `node-executor.ts`).
   */
  readonly inline?: boolean;
}

/** What every step shares. */
interface StepBase {
  /** Path template, with item markers. */
  readonly template: string;
  /** BullMQ options of this step's jobs, but the job id. */
  readonly jobOptions: JobsOptions;
}

/**
 * For a terminal of a for-each body whose vertex limits `maxConcurrency`: when all the body terminals of
 * an item completed, the next waiting item starts (see `lua/completeNode.lua`).
 */
export interface ItemGate {
  /** Template of the for-each vertex path. */
  readonly vertex: string;
  /** Template of one item's path prefix (`each[k]`). */
  readonly item: string;
  /** Terminals per item. */
  readonly terminals: number;
  /** Entry paths of the body roots, relative to an item's prefix (`/work`, `/verify/@start`). */
  readonly rootSuffixes: readonly string[];
}

/** What a step that completes a vertex (a task, or the end of a composite) releases. */
interface VertexCompletion {
  /** The vertex's successors in its scope, and the scope's exit when the vertex is terminal there. */
  readonly releases: readonly Release[];
  /** Set when the vertex is a terminal of a concurrency-limited for-each body. */
  readonly gate?: ItemGate;
  /** The flow's terminal count when this vertex is a terminal of the top scope, else 0. */
  readonly terminalCount: number;
}

/** How a vertex gets its input: from data parents, else from its scope's input. */
interface VertexInput {
  readonly parents: readonly DataParent[];
  /** Template of the field holding the scope's input (for vertices without data parents). */
  readonly scopeInput: string;
}

/** Runs a handler. */
export interface TaskStep extends StepBase, VertexCompletion, VertexInput {
  readonly kind: 'task';
  /** The named queue the task runs on (`options.queue`), or `''` for the flow's own queue. */
  readonly queue: string;
  readonly vertex: TaskVertex;
  readonly options: NodeOptions;
  /**
   * Templates of the steps this task's stream edges feed (`{ stream: true }`): released when an
   * attempt of this task starts, not by its completion (see `worker/step/stream-edges.ts`).
   */
  readonly streams?: readonly string[];
  /** Template of the task whose chunks feed this one through a stream edge: its input is that stream. */
  readonly streamFrom?: string;
}

/** One inner DAG of a composite vertex (the sub-DAG, a branch, or the for-each body). */
export interface InnerDag {
  /** Templates of the entry steps of its roots. */
  readonly roots: readonly string[];
  /** Its terminal vertices: ids and templates of their output fields. */
  readonly terminals: readonly { readonly id: string; readonly field: string }[];
}

/** Starts a composite vertex: computes its input, then releases its inner DAG (picked branches, items). */
export interface StartStep extends StepBase, VertexInput {
  readonly kind: 'start';
  readonly vertex: SubDagVertex | BranchVertex | ForEachVertex;
  /** Inner DAGs by branch key; `''` for a sub-DAG or for-each body. */
  readonly inner: ReadonlyMap<string, InnerDag>;
  /** Template of the vertex's end step. */
  readonly end: string;
  /** Most items a for-each may fan out to (the service's `maxForEachItems`). */
  readonly maxItems: number;
}

/** Ends a composite vertex: composes its output from its inner DAGs' outputs, then releases its successors. */
export interface EndStep extends StepBase, VertexCompletion {
  readonly kind: 'end';
  readonly vertex: SubDagVertex | BranchVertex | ForEachVertex;
  readonly inner: ReadonlyMap<string, InnerDag>;
  /** Template of the field holding the vertex input (the start step's output). */
  readonly startOutput: string;
}

/** One executable step of a flow. */
export type Step = TaskStep | StartStep | EndStep;

/**
 * Whether a step parks while it waits (a signal or child-flow node): it ends its job and holds no
 * worker slot until it is woken (see `worker/step/wait-step.ts`).
 */
export function parks(step: Step): step is TaskStep {
  return step.kind === 'task' && (step.vertex.wait?.kind ?? 'sleep') !== 'sleep';
}

/**
 * Whether a step waits for a payload delivered into its data field `sg|<path>`: a signal node, or an
 * event wait (`dag.waitFor`, whose matching event is delivered the same way).
 */
export function takesPayload(step: Step): step is TaskStep {
  const kind = step.kind === 'task' ? step.vertex.wait?.kind : undefined;
  return kind === 'signal' || kind === 'event';
}

/** The timeout of a signal node or an event wait, if it has one. */
export function waitTimeoutOf(step: Step): number | undefined {
  const wait = step.kind === 'task' ? step.vertex.wait : undefined;
  return wait?.kind === 'signal' || wait?.kind === 'event' ? wait.timeoutMs : undefined;
}
