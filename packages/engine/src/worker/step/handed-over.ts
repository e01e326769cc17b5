import { parks } from '../../plan/steps.js';
import type { BeginResult } from '../../store/state-results.js';
import { type Run, waitedSince } from './step-run.js';
import { clockNow } from '../../infra/clock.js';

/** A step handed its input shows as running in the request state once it runs this long. */
const SHOW_RUNNING_AFTER_MS = 20;

/**
 * Starts a step whose parent handed its input over in the job data (or in memory, to a step run next in
 * the parent's job), without reading Redis, on its (job's) first delivery only: a retry or a stall-recovered run goes through `beginNode` (the guard), as does
 * a step of a request this process knows to be paused, stopped or failed, and a step other than a
 * root or a chain's next step while this process does not yet listen to its request (see
 * `RequestListening`). Its start time and attempt
 * are written with its completion; a step still running after {@link SHOW_RUNNING_AFTER_MS} is marked
 * running on the way (not awaited), so that fast steps cost no extra write.
 */
export function handedOver(run: Run, owner: string): (BeginResult & { kind: 'run' }) | undefined {
  const { job, deps, plan, requestId, at } = run;
  // A step run inside an earlier step's job takes that step's output; the job's own step, its job data.
  const handed = run.inline?.handed;
  if (run.inline !== undefined && handed === undefined) return undefined;
  const input = handed === undefined ? job.data.i : handed.output;
  if (input === undefined || job.attemptsMade > 0 || job.attemptsStarted > 1) return undefined;
  // A step that parks must own it through beginNode: only the owner parks (see `lua/parkStep.lua`); so
  // must a stream edge's producer, whose consumers read its status and attempt.
  const producer = at.step.kind === 'task' && at.step.streams !== undefined;
  if (producer || parks(at.step)) return undefined;
  const key = `${plan.name}/${requestId}`;
  if (deps.isHeld(key)) return undefined;
  // A pause or stop takes a request's waiting roots off the queue, and a chain's next step begins as
  // with the completion that just released it (which found the request running); any other step
  // begins without the guard only while this process would hear its request paused or stopped.
  const root = run.inline === undefined && plan.roots.includes(at.path);
  if (!root && run.inline?.released !== true && !deps.isListened(key)) return undefined;
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
    attempt: 1,
    context: handed === undefined ? (job.data.c ?? null) : handed.context,
    inputs: [null, input],
    settle: () => clearTimeout(timer),
    startedAt,
  };
}
