import {
  type Dag,
  Dag as DagClass,
  withChildFlow,
  withReplacedStep,
  withStep,
  withoutStep,
  DagflowError,
  DagValidationError,
  ErrorCode,
  type FlowDefinition,
  type Handler,
  type NodeOptions,
  type Operation,
  assertValidId,
  dagFromDefinition,
} from '@dagflow/flow';
import type { PlanSource } from './plan-source.js';
import type { PlanLimits } from '../plan/compile.js';
import { FlowPlan } from '../plan/flow-plan.js';
import type { FlowOrigin, Registry } from './registry.js';
import type { FlowInfo } from '../types/types.js';
import type { FlowOptions } from '../types/flow-options.js';
import { assertBatchOption } from './batch-option.js';
import { assertFairness } from '../queue/fair-options.js';

/** A step's work in a run-time change: a handler, or a registered operation with its parameters. */
export interface StepChange {
  readonly handler?: Handler<never, unknown>;
  readonly op?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly options?: NodeOptions;
}

/** A step added at run time: its work, and where it goes. */
export type AddedStep = StepChange & {
  readonly id: string;
  readonly after?: readonly string[];
  readonly before?: readonly string[];
};

/**
 * The flows registered in this process (in code, as data, changed at run time) and the operations
 * declarative flows may name; each new plan is handed to `added` (with the version it replaces, for a
 * run-time change), which serves or publishes it.
 */
export class FlowRegistrations {
  /** How each flow registered here was defined; published with it. */
  readonly #origins = new Map<string, FlowOrigin>();

  constructor(
    private readonly plans: PlanSource,
    private readonly operations: Map<string, Operation>,
    private readonly added: (plan: FlowPlan, changeOf?: string) => void,
    private readonly limits: () => PlanLimits,
  ) {}

  /** See `FlowService.register`. */
  register(name: string, define: (dag: Dag) => void, options: FlowOptions): void {
    assertFlowOptions(name, options);
    assertValidId(name, 'flow');
    this.#assertFree(name);
    const dag = new DagClass();
    define(dag);
    this.#add(new FlowPlan(name, dag, options, { limits: this.limits() }), 'code');
  }

  /** See `FlowService.registerDefinition`. */
  registerDefinition(definition: unknown, options: FlowOptions): FlowInfo {
    const dag = dagFromDefinition(definition, this.operations);
    const name = (definition as FlowDefinition).name;
    assertValidId(name, 'flow');
    this.#assertFree(name);
    // A definition may carry `concurrency` (a number, or `{ keyPath, limit }`); code options win.
    const declared = (definition as { concurrency?: FlowOptions['concurrency'] }).concurrency;
    if (declared !== undefined) assertDeclaredConcurrency(name, declared);
    const merged = declared === undefined ? options : { concurrency: declared, ...options };
    assertFlowOptions(name, merged);
    const plan = new FlowPlan(name, dag, merged, { limits: this.limits() });
    this.#add(plan, 'definition');
    return infoOf(plan);
  }

  /** See `FlowService.addStep`. */
  addStep(flow: string, step: AddedStep): FlowInfo {
    return this.#change(flow, `add ${step.id}`, (dag) =>
      asChildFlow(
        withStep(dag, {
          id: step.id,
          handler: this.#handlerOf(step),
          ...(step.options === undefined ? {} : { options: step.options }),
          ...(step.after === undefined ? {} : { after: step.after }),
          ...(step.before === undefined ? {} : { before: step.before }),
        }),
        step.id,
        step,
      ),
    );
  }

  /** See `FlowService.removeStep`. */
  removeStep(flow: string, id: string): FlowInfo {
    return this.#change(flow, `remove ${id}`, (dag) => withoutStep(dag, id));
  }

  /** See `FlowService.replaceStep`. */
  replaceStep(flow: string, id: string, step: StepChange): FlowInfo {
    return this.#change(flow, `replace ${id}`, (dag) =>
      asChildFlow(withReplacedStep(dag, id, this.#handlerOf(step), step.options), id, step),
    );
  }

  /** A new version of a flow registered here, made by `edit`. */
  #change(flow: string, change: string, edit: (dag: Dag) => Dag): FlowInfo {
    const current = this.plans.localPlan(flow);
    const plan = new FlowPlan(flow, edit(current.dag), current.hooks, {
      changeOf: { version: current.version, change },
      limits: this.limits(),
    });
    this.plans.addLocal(plan);
    this.added(plan, current.version);
    return infoOf(plan);
  }

  /** How a flow registered here was defined. */
  originOf(flow: string): FlowOrigin {
    return this.#origins.get(flow) ?? 'code';
  }

  /** See `FlowService.flowOrigin`. */
  async flowOrigin(name: string, registry: Registry): Promise<FlowOrigin | undefined> {
    if (this.plans.hasLocal(name)) return this.originOf(name);
    const published = await registry.load(name);
    return published === undefined ? undefined : (published.origin ?? 'code');
  }

  /** The handler of a step change: its own, or a registered operation's (`UNKNOWN_OPERATION`). */
  #handlerOf(step: StepChange): Handler<never, unknown> {
    if (step.handler !== undefined) return step.handler;
    const name = step.op ?? '';
    // Made a child-flow node by asChildFlow: it runs no handler.
    if (name === 'flow') return () => null;
    const operation = this.operations.get(name);
    if (operation === undefined) {
      throw new DagflowError(
        ErrorCode.UNKNOWN_OPERATION,
        `No operation named '${name}' is registered; known: ${[...this.operations.keys()].join(', ')}.`,
      );
    }
    const params = step.with ?? {};
    return (input: unknown, ctx) => operation(input, params, ctx);
  }

  #add(plan: FlowPlan, origin: FlowOrigin): void {
    this.#origins.set(plan.name, origin);
    this.plans.addLocal(plan);
    this.added(plan);
  }

  #assertFree(name: string): void {
    if (this.plans.hasLocal(name)) {
      throw new DagflowError(
        ErrorCode.FLOW_ALREADY_REGISTERED,
        `Flow '${name}' is already registered.`,
      );
    }
  }
}

function infoOf(plan: FlowPlan): FlowInfo {
  const nodes = plan.staticPaths.length;
  return { name: plan.name, version: plan.version, nodes, workers: {}, nodeWorkers: {} };
}

/**
 * A definition's own `concurrency` is the definition's author's input, not the process's
 * configuration: out of range, it is an invalid definition (422), not `INVALID_CONFIG` (500).
 * @throws DagValidationError `DEFINITION_INVALID` naming `concurrency`
 */
function assertDeclaredConcurrency(name: string, concurrency: FlowOptions['concurrency']): void {
  try {
    assertFlowOptions(name, { concurrency });
  } catch (error) {
    throw new DagValidationError(
      ErrorCode.DEFINITION_INVALID,
      `Invalid flow definition: ${(error as Error).message}`,
      ['concurrency'],
    );
  }
}

function assertFlowOptions(name: string, options: FlowOptions): void {
  const { concurrency, rateLimit } = options;
  const positive = (n: number): boolean => Number.isInteger(n) && n > 0;
  if (typeof concurrency === 'object') {
    const { limit } = concurrency;
    const keyed =
      'key' in concurrency
        ? typeof concurrency.key === 'function'
        : typeof concurrency.keyPath === 'string';
    if (!keyed || !positive(limit)) {
      throw new DagflowError(
        ErrorCode.INVALID_CONFIG,
        `Flow '${name}': a concurrency key needs a function \`key\` (or a string \`keyPath\`) and an integer limit > 0.`,
      );
    }
  } else if (concurrency !== undefined && !positive(concurrency)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': concurrency must be an integer > 0 (got ${String(concurrency)}).`,
    );
  }
  const keyOk = rateLimit?.key === undefined || typeof rateLimit.key === 'function';
  if (
    rateLimit !== undefined &&
    !(positive(rateLimit.max) && positive(rateLimit.durationMs) && keyOk)
  ) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': rateLimit needs integers max > 0 and durationMs > 0 (and key, if given, a function).`,
    );
  }
  if (
    options.revision !== undefined &&
    !(Number.isSafeInteger(options.revision) && options.revision >= 0)
  ) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': revision must be an integer >= 0 (got ${String(options.revision)}).`,
    );
  }
  if (options.maxForEachItems !== undefined && !positive(options.maxForEachItems)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': maxForEachItems must be an integer > 0 (got ${String(options.maxForEachItems)}).`,
    );
  }
  assertDeadlineAndSingleton(name, options);
  assertBatchOption(name, options);
  assertFairness(name, options);
  if (options.partitions !== undefined && !positive(options.partitions)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': partitions must be an integer > 0 (got ${String(options.partitions)}).`,
    );
  }
}

/** @throws DagflowError `INVALID_CONFIG` for a malformed `deadline` or `singleton` option */
function assertDeadlineAndSingleton(name: string, options: FlowOptions): void {
  const { deadline, singleton } = options;
  const ms = (n: unknown): boolean =>
    n === undefined || (Number.isSafeInteger(n) && Number(n) >= 0);
  if (deadline !== undefined && !(ms(deadline.startMs) && ms(deadline.finishMs))) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': deadline.startMs and deadline.finishMs must be integers >= 0 (ms).`,
    );
  }
  if (
    singleton !== undefined &&
    !(
      typeof singleton.key === 'function' &&
      (singleton.mode === 'skip' || singleton.mode === 'cancel-previous')
    )
  ) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': singleton needs a function \`key\` and mode 'skip' or 'cancel-previous'.`,
    );
  }
}

/**
 * A step whose work is the `flow` operation becomes a child-flow node (`dag.flow`), which waits for
 * the child request without holding a worker; other steps stay as they are.
 */
function asChildFlow(dag: Dag, id: string, step: StepChange): Dag {
  if (step.handler !== undefined || step.op !== 'flow') return dag;
  const flow = step.with?.['flow'];
  if (typeof flow !== 'string' || flow === '') {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      "Operation 'flow' needs a string parameter 'flow' in 'with'.",
    );
  }
  return withChildFlow(dag, id, flow);
}
