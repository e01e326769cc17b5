import type { CompletionSpec } from '../../../store/state-results.js';
import type { Expansion } from '../../../plan/expand.js';
import { ITEM, fill } from '../../../plan/paths.js';
import type { EndStep, TaskStep } from '../../../plan/steps.js';

/**
 * Completion specs that are the same for every instance of a step, computed once per step: those of
 * steps outside for-each bodies, and of the last steps of a body (they release steps outside it).
 */
const staticCompletions = new WeakMap<TaskStep | EndStep, CompletionSpec>();

/** What completing a task or end step releases, for an instance with these item keys. */
export function completionOf(step: TaskStep | EndStep, keys: readonly string[]): CompletionSpec {
  let spec = staticCompletions.get(step);
  if (spec !== undefined) return spec;
  spec = buildCompletion(step, keys);
  if (keys.length === 0 || isStatic(step)) staticCompletions.set(step, spec);
  return spec;
}

/** Whether no instance path enters a step's completion: no release inside a body, no item gate. */
function isStatic(step: TaskStep | EndStep): boolean {
  return step.gate === undefined && step.releases.every((r) => !r.step.includes(ITEM));
}

function buildCompletion(step: TaskStep | EndStep, keys: readonly string[]): CompletionSpec {
  const { gate } = step;
  const now = step.releases.filter((r) => r.parents === 1);
  const enqueueNow = {
    inline: now.filter((r) => r.inline === true).map((r) => fill(r.step, keys)),
    plain: now.filter((r) => r.inline !== true).map((r) => fill(r.step, keys)),
  };
  return {
    successors: step.releases.flatMap((r) => [
      fill(r.step, keys),
      r.parents === 1 ? 'e' : r.parents,
    ]),
    enqueueNow,
    terminalCount: step.terminalCount,
    ...(gate === undefined
      ? {}
      : {
          gate: [
            fill(gate.vertex, keys),
            fill(gate.item, keys),
            gate.terminals,
            gate.rootSuffixes.length,
            ...gate.rootSuffixes,
          ],
        }),
  };
}

/** What completing a start step writes and releases. */
export function startSpec(expanded: Expansion): CompletionSpec {
  return {
    ...(expanded.handOver === undefined ? {} : { handOver: expanded.handOver }),
    successors: [],
    enqueued: expanded.entries,
    enqueueNow: { inline: [], plain: expanded.entries },
    terminalCount: 0,
    stateFields: expanded.stateFields,
    dataFields: expanded.dataFields,
  };
}
