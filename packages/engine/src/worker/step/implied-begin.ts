import { parks } from '../../plan/steps.js';
import type { BeginResult } from '../../store/state-results.js';
import { type Run, waitedSince } from './step-run.js';
import { clockNow } from '../../infra/clock.js';
import {
  beginsImplied,
  IMPLIED_ATTEMPT,
  SHOW_RUNNING_AFTER_MS,
} from '../../format/implied-begin.js';

/**
 * Begins a step without `beginNode` when the rule of `format/implied-begin.ts` lets it (its input
 * handed over in the job data, or in memory to a step run next in the parent's job): answers the begun
 * attempt, or undefined when the step goes through `beginNode`. Its start time is written with its end;
 * a step still running after {@link SHOW_RUNNING_AFTER_MS} is marked running on the way (not awaited),
 * so that fast steps cost no extra write.
 */
export function impliedBegin(run: Run, owner: string): (BeginResult & { kind: 'run' }) | undefined {
  const { job, deps, plan, requestId, at } = run;
  // A step run inside an earlier step's job takes that step's output; the job's own step, its job data.
  const handed = run.inline?.handed;
  const input = run.inline === undefined ? job.data.i : handed?.output;
  const key = `${plan.name}/${requestId}`;
  const implied = beginsImplied({
    handed: input !== undefined,
    firstDelivery: job.attemptsMade === 0 && job.attemptsStarted <= 1,
    // Only the owner parks (see `lua/parkStep.lua`); a stream edge's consumers read its producer's
    // status and attempt.
    ownsFirst: (at.step.kind === 'task' && at.step.streams !== undefined) || parks(at.step),
    held: deps.isHeld(key),
    fences: {
      root: run.inline === undefined && plan.roots.includes(at.path),
      released: run.inline?.released === true,
      listened: deps.isListened(key),
    },
  });
  if (!implied || input === undefined) return undefined;
  const startedAt = waitedSince(run) ?? clockNow();
  const timer = setTimeout(() => {
    deps.store
      .markRunning(plan.name, requestId, { path: at.path, owner }, startedAt)
      .catch((error: unknown) => {
        deps.log.warn('could not record a running node', {
          flow: plan.name,
          requestId,
          node: at.path,
          error: String(error),
        });
      });
  }, SHOW_RUNNING_AFTER_MS);
  return {
    kind: 'run',
    owner,
    attempt: IMPLIED_ATTEMPT,
    context: handed === undefined ? (job.data.c ?? null) : handed.context,
    inputs: [null, input],
    settle: () => clearTimeout(timer),
    startedAt,
  };
}
