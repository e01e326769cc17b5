import type { CompletionSpec } from './state-store.js';
import type { Expansion } from './plan/expand.js';
import { fill } from './plan/paths.js';
import type { EndStep, TaskStep } from './plan/steps.js';

/** Completion specs of steps outside for-each bodies, computed once per step. */
const staticCompletions = new WeakMap<TaskStep | EndStep, CompletionSpec>();

/** What completing a task or end step releases, for an instance with these item keys. */
export function completionOf(step: TaskStep | EndStep, keys: readonly string[]): CompletionSpec {
  if (keys.length > 0) return buildCompletion(step, keys);
  let spec = staticCompletions.get(step);
  if (spec === undefined) {
    spec = buildCompletion(step, keys);
    staticCompletions.set(step, spec);
  }
  return spec;
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
