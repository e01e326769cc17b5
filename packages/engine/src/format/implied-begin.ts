import { stepField, StepField } from './layout.js';

/**
 * **Implied begin**: when a step starts without `beginNode`, and what that leaves in the request state.
 * The one owner of the rule; `lua/includes/impliedBegin.lua` is its Lua half (the back-fill), and
 * `worker/step/implied-begin.ts` applies it to a job.
 *
 * A step normally begins through `beginNode` (`lua/includes/beginStep.lua`): the guard (the request
 * runs, the step did not complete) and the attempt's ownership, one script call. A step handed its input
 * (in its job data, or in memory by the previous step of its chain) skips that call on its job's first
 * delivery when nothing can have held it since the write that made it ready, that is when one of these
 * fences holds ({@link BeginFences}):
 * - `root`: a request's root job (pause and stop take its waiting root jobs off the queue,
 *   `client/request-control.ts`);
 * - `released`: a chain's next step, released by the completion this job just made (which found the
 *   request running);
 * - `listened`: a step of a job whose request this process listens to
 *   (`worker/process/request-listening.ts`), so that a pause or stop reaches it first.
 *
 * Never for a retry or a stall-recovered delivery, a step that must own itself before it writes (it
 * parks, or feeds a stream edge), or a request this process knows to be paused, stopped or failed.
 *
 * In the stored state an implied begin writes nothing until the step ends or shows: its completion
 * writes its start time in the completed step's record (`format/step-record.ts`; not its attempt count:
 * a completed step without one ran once,
 * {@link attemptsOf}), its failure writes start and attempt {@link IMPLIED_ATTEMPT}, and a step still
 * running after {@link SHOW_RUNNING_AFTER_MS} is marked running (`lua/markRunning.lua`); each of them
 * starts a request still pending. Until then the step has no owner (`w|<path>`): any attempt's
 * completion is accepted, and a later delivery's `beginNode` takes the step over. Its input stays in the
 * data hash too (a root's request input, a for-each item's input), for a later delivery's `beginNode`, a
 * rerun and the state reads: the job data's copy only saves the first delivery a read.
 */

/** The attempt an implied begin is: always the first (a later one goes through `beginNode`). */
export const IMPLIED_ATTEMPT = 1;

/** A step begun implicitly shows as running in the request state once it runs this long. */
export const SHOW_RUNNING_AFTER_MS = 20;

/** Why nothing can have held a step since it was made ready; one suffices. */
export interface BeginFences {
  /** A root step in its own job. */
  readonly root: boolean;
  /** Released by the completion just made in the same job (a chain's next step). */
  readonly released: boolean;
  /** The worker listens to the request (it hears a pause or stop before the step begins). */
  readonly listened: boolean;
}

/** What decides whether a step begins implicitly. */
export interface BeginCase {
  /** Its input came with it (job data, or the previous step of its chain). */
  readonly handed: boolean;
  /** Its job's first delivery (not a retry, not a run recovered after a stall). */
  readonly firstDelivery: boolean;
  /** It must own the step before it runs: it parks, or feeds a stream edge. */
  readonly ownsFirst: boolean;
  /** This process knows its request to be paused, stopped or failed. */
  readonly held: boolean;
  readonly fences: BeginFences;
}

/** Whether a step begins without `beginNode` (an implied begin). */
export function beginsImplied(step: BeginCase): boolean {
  if (!step.handed || !step.firstDelivery || step.ownsFirst || step.held) return false;
  const { root, released, listened } = step.fences;
  return root || released || listened;
}

/**
 * The attempts a step made, from its state fields: counted by `beginNode`; a step that completed after
 * an implied begin ran once ({@link IMPLIED_ATTEMPT}), its completion writing no count.
 */
export function attemptsOf(fields: Readonly<Record<string, string>>, step: string): number {
  const counted = fields[stepField(StepField.attempts, step)];
  if (counted !== undefined) return Number(counted);
  return fields[stepField(StepField.status, step)] === 'completed' ? IMPLIED_ATTEMPT : 0;
}
