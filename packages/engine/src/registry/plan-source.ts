import { DagflowError, ErrorCode, type Handler, dagFromDescription } from '@dagflow/flow';
import type { PlanLimits } from '../plan/compile.js';
import { FlowPlan } from '../plan/flow-plan.js';
import { batchFromDescription } from '../plan/batch-description.js';
import type { PublishedFlow, Registry } from './registry.js';

/** How long a plan built from the registry is reused before the registry is read again. */
const REMOTE_PLAN_TTL_MS = 2_000;

/**
 * Where a process finds a flow's plan: flows registered here, else the definitions other processes
 * published to the registry (rebuilt without their code, enough to execute, inspect and control).
 */
export class PlanSource {
  readonly #local = new Map<string, FlowPlan>();
  readonly #remote = new Map<string, { readonly plan: FlowPlan; readonly at: number }>();
  /** Every version seen, by `flow@version`: requests run to their end on the version they started with. */
  readonly #versions = new Map<string, FlowPlan>();
  /** Versions rebuilt without code, by `flow@version` (see {@link described}). */
  readonly #described = new Map<string, FlowPlan>();

  constructor(
    private readonly registry: () => Registry,
    private readonly limits: () => PlanLimits,
  ) {}

  /** Adds a flow registered in this process, or its new version after a run-time change. */
  addLocal(plan: FlowPlan): void {
    this.#local.set(plan.name, plan);
    this.#versions.set(`${plan.name}@${plan.version}`, plan);
  }

  /**
   * The plan of one version of a flow: kept here when this process registered or changed it, else
   * rebuilt from the registry: with this process's code for the flow where it registered one (a request
   * keeps its shape, each node runs the code this process has now for it), else without code.
   * @throws DagflowError `FLOW_NOT_FOUND` when that version was never published
   */
  async version(name: string, version: string): Promise<FlowPlan> {
    const known = this.#versions.get(`${name}@${version}`);
    if (known !== undefined) return known;
    const current = await this.get(name);
    if (current.version === version) return current;
    const published = await loadPublished(this.registry(), name, version);
    const local = this.#local.get(name);
    const plan = planFrom(published, new Map(), this.limits(), local);
    this.#versions.set(`${name}@${version}`, plan);
    return plan;
  }

  /**
   * One published version of a flow rebuilt from its description alone (no code of this process): its
   * shape, and which of its steps need code (`FlowPlan.lacks`).
   * @throws DagflowError `FLOW_NOT_FOUND` when that version was never published
   */
  async described(name: string, version: string): Promise<FlowPlan> {
    const key = `${name}@${version}`;
    const known = this.#described.get(key);
    if (known !== undefined) return known;
    const published = await loadPublished(this.registry(), name, version);
    const plan = planFrom(published, new Map(), this.limits());
    this.#described.set(key, plan);
    return plan;
  }

  /** The plan a request runs on: the version it started with (the current one if it has none recorded). */
  async forVersion(name: string, version: string | undefined): Promise<FlowPlan> {
    return version === undefined ? this.get(name) : this.version(name, version);
  }

  /**
   * The current plan of a flow registered in this process.
   * @throws DagflowError `FLOW_NOT_FOUND` when it was not registered here
   */
  localPlan(name: string): FlowPlan {
    const plan = this.#local.get(name);
    if (plan === undefined) {
      throw new DagflowError(
        ErrorCode.FLOW_NOT_FOUND,
        `Flow '${name}' is not registered in this process, so it cannot be changed here.`,
        {
          details: { flow: name },
        },
      );
    }
    return plan;
  }

  /** Whether the flow was registered in this process. */
  hasLocal(name: string): boolean {
    return this.#local.has(name);
  }

  /** The flows registered in this process. */
  get local(): readonly FlowPlan[] {
    return [...this.#local.values()];
  }

  /**
   * The flow's plan, from this process or the registry.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async get(name: string): Promise<FlowPlan> {
    const local = this.#local.get(name);
    if (local !== undefined) return local;
    const cached = this.#remote.get(name);
    if (cached !== undefined && Date.now() - cached.at < REMOTE_PLAN_TTL_MS) return cached.plan;
    const published = await this.registry().load(name);
    if (published === undefined) {
      throw new DagflowError(ErrorCode.FLOW_NOT_FOUND, `No flow named '${name}' is registered.`, {
        details: { flow: name },
      });
    }
    const plan =
      cached?.plan.version === published.version
        ? cached.plan
        : planFrom(published, new Map(), this.limits());
    this.#remote.set(name, { plan, at: Date.now() });
    return plan;
  }
}

/**
 * One published version of a flow.
 * @throws DagflowError `FLOW_NOT_FOUND` when that version was never published (or was dropped)
 */
export async function loadPublished(
  registry: Registry,
  name: string,
  version: string,
): Promise<PublishedFlow> {
  const published = await registry.loadVersion(name, version);
  if (published === undefined) {
    throw new DagflowError(
      ErrorCode.FLOW_NOT_FOUND,
      `Flow '${name}' has no version '${version}'.`,
      {
        details: { flow: name, version },
      },
    );
  }
  return published;
}

/**
 * A plan rebuilt from a published definition, with real handlers for the given node paths, and with the
 * code and flow options of `code` (this process's plan of the flow, of whatever version) where its DAG
 * has the same vertices (see `dagFromDescription`).
 */
export function planFrom(
  published: PublishedFlow,
  handlers: ReadonlyMap<string, Handler<never, unknown>>,
  limits: PlanLimits,
  code?: FlowPlan,
): FlowPlan {
  const { description } = published;
  const dag = dagFromDescription(description, handlers, code?.dag);
  // The input's JSON Schema is part of the description (and of its version): keep it.
  const schema =
    description.inputSchema === undefined ? {} : { inputJsonSchema: description.inputSchema };
  // Without this process's code, the published batch option still collects executes here.
  const batch = batchFromDescription(description);
  const own = code === undefined && batch !== undefined ? { ...schema, batch } : schema;
  const hooks = code === undefined ? own : { ...code.hooks, ...schema };
  return new FlowPlan(published.name, dag, hooks, { limits, published: published.version });
}
