import type { FlowPlan } from '../plan/flow-plan.js';
import { waitTimeoutOf } from '../plan/steps.js';
import type { StateReads } from '../store/reads/state-reads.js';
import type { NodeQueues } from './node-queues.js';

/**
 * Takes a parked signal step's timeout job (a delayed wake job, see `worker/step/wait-step.ts`) off its
 * queue once the timeout can change nothing: the signal came, or the request ended. A timeout job that
 * already started stays; it finds the step taken or the request ended, and does nothing (fenced).
 */
export async function removeSignalTimeout(
  queues: NodeQueues,
  plan: FlowPlan,
  step: { readonly requestId: string; readonly path: string; readonly generation: number },
): Promise<void> {
  await queues.removeWakeJob(plan, step.requestId, { ...step, wake: 't' });
}

/**
 * Removes the timeout jobs of the signal and event-wait steps among `paths` (by default the flow's steps outside
 * branches and for-each bodies) that are still parked: an ended request's timeouts have nothing to do.
 */
export async function removeParkedTimeouts(
  parts: { readonly queues: NodeQueues; readonly store: StateReads },
  plan: FlowPlan,
  request: { readonly requestId: string; readonly paths?: readonly string[] | undefined },
): Promise<void> {
  const { requestId, paths = plan.staticPaths } = request;
  const timed = paths.filter((path) => {
    const step = plan.resolve(path)?.step;
    return step !== undefined && waitTimeoutOf(step) !== undefined;
  });
  const parked = await parts.store.parkedSteps(plan.name, requestId, timed);
  await Promise.all(
    parked.map(({ path, generation }) =>
      removeSignalTimeout(parts.queues, plan, { requestId, path, generation }),
    ),
  );
}
