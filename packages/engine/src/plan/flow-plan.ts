import { createHash } from 'node:crypto';
import type { Dag, DagDescription, DagGraph } from '@dagflow/flow';
import { describeDag, isHandledElsewhere, validateDag } from '@dagflow/flow';
import { lacksCode } from './code-presence.js';
import { decode } from '../format/codec.js';
import type { FlowOptions } from '../types/flow-options.js';
import { type PlanLimits, compileSteps } from './compile.js';
import { withInputSchema } from './input-schema.js';
import { withBatch } from './batch-description.js';
import { START, fill, join, parsePath } from './paths.js';
import { type Step, waitTimeoutOf } from './steps.js';

/** A step of one request, with the item keys of its for-each levels. */
export interface ResolvedStep {
  readonly step: Step;
  readonly keys: readonly string[];
  readonly path: string;
}

/** A registered flow: its validated DAG, description, version and executable steps. */
export class FlowPlan {
  readonly graph: DagGraph;
  readonly description: DagDescription;
  readonly version: string;
  /** Entry step paths of the top-level roots. */
  readonly roots: readonly string[];
  /** Vertex paths known before a request runs: every vertex outside branches and for-each bodies. */
  readonly staticPaths: readonly string[];
  /** Whether a request's end must run compensations or hooks (the `@finish` job). */
  readonly hasFinishHooks: boolean;
  /** Whether some node runs a child flow (`dag.flow`): the state links those nodes to their children. */
  readonly hasChildFlows: boolean;
  /** Whether some signal node has a timeout (`dag.signal(id, { timeoutMs })`): a delayed job each. */
  readonly hasSignalTimeouts: boolean;
  /** Whether some node waits for an event (`dag.waitFor`): its request's end takes it out of the index. */
  readonly hasEventWaits: boolean;
  readonly #steps: Map<string, Step>;
  readonly #order: Map<string, number>;
  /** Whether some task runs on a named queue (a step owned by another service). */
  readonly #hasNamedQueues: boolean;
  /** Templates of the steps whose code this process lacks (see `code-presence.ts`). */
  readonly #lacking: ReadonlySet<string>;

  /** @throws DagValidationError when the DAG is invalid. */
  constructor(
    readonly name: string,
    /** The definition, kept for run-time changes. */
    readonly dag: Dag,
    readonly hooks: FlowOptions,
    options: {
      /** The version after a run-time change (a handler change leaves the description as it was). */
      readonly changeOf?: { readonly version: string; readonly change: string };
      /** The service's run-time limits (`maxForEachItems`). */
      readonly limits: PlanLimits;
      /**
       * The version this plan was published as, for a published description rebuilt with this
       * process's code (its hooks and input schema may differ from the description's).
       */
      readonly published?: string;
    },
  ) {
    const { changeOf, published } = options;
    // A flow's own maxForEachItems only lowers the service's.
    const own = hooks.maxForEachItems;
    const limits =
      own === undefined
        ? options.limits
        : { ...options.limits, maxForEachItems: Math.min(own, options.limits.maxForEachItems) };
    this.graph = validateDag(dag);
    this.description = withBatch(withInputSchema(describeDag(this.graph), hooks), hooks);
    const source =
      changeOf === undefined
        ? JSON.stringify(this.description)
        : `${changeOf.version}\n${changeOf.change}\n${Date.now()}`;
    this.version = published ?? createHash('sha256').update(source).digest('hex').slice(0, 12);
    this.#steps = compileSteps(this.graph, limits);
    this.#lacking = new Set(
      [...this.#steps.values()].flatMap((step) => (lacksCode(step) ? [step.template] : [])),
    );
    this.roots = this.graph.roots.map((id) =>
      this.graph.nodes.get(id)?.vertex.kind === 'task' ? id : `${id}${START}`,
    );
    this.staticPaths = staticPaths(this.graph, '');
    this.#order = new Map([...this.#steps.keys()].map((template, i) => [template, i]));
    this.#hasNamedQueues = [...this.#steps.values()].some(
      (step) => step.kind === 'task' && step.queue !== '',
    );
    const compensates = [...this.#steps.values()].some(
      (step) => step.kind === 'task' && step.options.compensate !== undefined,
    );
    this.hasChildFlows = [...this.#steps.values()].some(
      (step) => step.kind === 'task' && step.vertex.wait?.kind === 'flow',
    );
    this.hasSignalTimeouts = [...this.#steps.values()].some(
      (step) => waitTimeoutOf(step) !== undefined,
    );
    this.hasEventWaits = [...this.#steps.values()].some(
      (step) => step.kind === 'task' && step.vertex.wait?.kind === 'event',
    );
    this.hasFinishHooks =
      compensates || hooks.onFailure !== undefined || hooks.finally !== undefined;
  }

  /** Position of a step in the flow (parents before children), to order steps finished at the same moment. */
  orderOf(template: string): number {
    return this.#order.get(template.replaceAll('\u0001', '')) ?? 0;
  }

  /** The step an instance path names, or undefined when this flow has none. */
  resolve(path: string): ResolvedStep | undefined {
    const { template, keys } = parsePath(path);
    const step = this.#steps.get(template);
    return step === undefined ? undefined : { step, keys, path };
  }

  /** The named queue a step path runs on (`''`: the flow's own queue). */
  queueOf(path: string): string {
    // Most flows run every step on their own queue: no path to resolve (a for-each enqueues thousands).
    if (!this.#hasNamedQueues) return '';
    const step = this.resolve(path)?.step;
    return step?.kind === 'task' ? step.queue : '';
  }

  /** The queues whose steps this process can run: the flow's own (`''`) and those of local handlers. */
  get localQueues(): readonly string[] {
    const named = [...this.#steps.values()].flatMap((step) =>
      step.kind === 'task' && step.queue !== '' && !isHandledElsewhere(step.vertex.handler)
        ? [step.queue]
        : [],
    );
    return [...new Set(['', ...named])];
  }

  /** The named queue of the task at a node path (no item keys), or undefined when it has none. */
  queueOfNode(path: string): string | undefined {
    const step = this.#steps.get(path);
    return step?.kind === 'task' && step.queue !== '' ? step.queue : undefined;
  }

  /**
   * Whether this process lacks code the step runs (a handler, condition, for-each function, aggregator or
   * edge transform): the plan was rebuilt from a published version whose step this process's code does
   * not have at that place, or the step is handled by another service.
   */
  lacks(template: string): boolean {
    return this.#lacking.size > 0 && this.#lacking.has(template);
  }

  /** Whether the flow has a step with this template. */
  hasStep(template: string): boolean {
    return this.#steps.has(template);
  }

  /** The templates of the steps this process has the code for (see {@link lacks}). */
  get codeSteps(): readonly string[] {
    return [...this.#steps.keys()].filter((template) => !this.#lacking.has(template));
  }

  /** The templates of the steps this process lacks code for (see {@link lacks}). */
  get lacking(): ReadonlySet<string> {
    return this.#lacking;
  }

  /** The step kind and vertex path of an instance path's template, for state display. */
  stepAt(template: string): Step | undefined {
    return this.#steps.get(template);
  }

  /** The flow's result from its terminal nodes' encoded outputs (in `graph.terminals` order). */
  resultFrom(encodedOutputs: readonly (string | null)[]): unknown {
    const { terminals } = this.graph;
    if (terminals.length === 1) return decode(encodedOutputs[0] ?? 'null');
    return Object.fromEntries(terminals.map((id, i) => [id, decode(encodedOutputs[i] ?? 'null')]));
  }
}

function staticPaths(graph: DagGraph, prefix: string): string[] {
  return graph.order.flatMap((id) => {
    const node = graph.nodes.get(id);
    const path = join(prefix, id);
    const inner = node?.vertex.kind === 'subdag' ? node.inner.get('') : undefined;
    return inner === undefined ? [path] : [path, ...staticPaths(inner, path)];
  });
}

export { fill };
