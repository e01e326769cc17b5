import { RequestField, StepField, pathOfField } from '../format/layout.js';
import type { FlowPlan } from './flow-plan.js';
import { isRefusal, planMigration } from './migration-plan.js';
import { START } from './paths.js';

/** What a rerun from a node writes (see `lua/rerunFrom.lua`). */
export interface RerunPlan {
  /**
   * The top-level vertices that run again: the node and its descendants. Every field of their steps
   * (state, outputs, given inputs; inside composites too) is dropped, a delivered signal excepted.
   */
  readonly vertices: readonly string[];
  /** State-hash fields to set: join counts and the count of completed top-level terminals. */
  readonly set: readonly (readonly [string, string])[];
  /** Steps to run again now (the node's entry step, and any other vertex whose parents are done). */
  readonly release: readonly string[];
  /** The step that takes a replaced input (the node's entry step). */
  readonly entry: string;
}

/**
 * The top-level vertex a step path lies in: `verify/@start`, `verify/face-detect` and
 * `each[42]/check` lie in `verify` and `each` (as `top_vertex` in `lua/rerunFrom.lua`).
 */
export function topVertex(path: string): string {
  const end = path.search(/[/[|]/);
  return end < 0 ? path : path.slice(0, end);
}

/** `from` and every top-level vertex downstream of it, in topological order. */
export function descendants(plan: FlowPlan, from: string): string[] {
  const reached = new Set([from]);
  for (const id of plan.graph.order) {
    const node = plan.graph.nodes.get(id);
    if (node?.parents.some((parent) => reached.has(parent)) === true) reached.add(id);
  }
  return plan.graph.order.filter((id) => reached.has(id));
}

/**
 * Works out how a request whose state hash holds `fields` runs again from the top-level vertex `from`:
 * the steps of `from` and of every vertex downstream of it lose their state and outputs; join counts
 * and the count of completed terminals are worked out again (as a migration to the same shape does,
 * `planMigration`); `from`'s entry step is released. Steps elsewhere that failed or did not finish
 * keep their state: the rerun that follows resets them as any rerun does.
 */
export function planRerunFrom(
  plan: FlowPlan,
  fields: Readonly<Record<string, string>>,
  from: string,
): RerunPlan {
  const vertices = descendants(plan, from);
  const reset = new Set(vertices);
  const kept: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) {
    const bar = field.indexOf('|');
    if (bar >= 0 && reset.has(topVertex(field.slice(bar + 1)))) continue;
    // A step left running by a stop is reset by the rerun that follows; it does not block the plan.
    if (pathOfField(StepField.status, field) !== undefined && value === 'running') continue;
    kept[field] = value;
  }
  // Planned as a failed request (a descendant of `from` is a terminal: never all done).
  kept[RequestField.status] = 'failed';
  const shape = planMigration(plan, plan, kept);
  const entry = plan.graph.nodes.get(from)?.vertex.kind === 'task' ? from : `${from}${START}`;
  if (isRefusal(shape)) return { vertices, set: [], release: [entry], entry };
  return {
    vertices,
    set: shape.set.filter(([field]) => field !== RequestField.allDone),
    release: [...new Set([entry, ...shape.release])],
    entry,
  };
}
