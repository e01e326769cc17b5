import { requestEnded } from '../../queue/request-ended.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import { vertexPath } from '../../plan/paths.js';
import { chainOwnerSuffix } from '../../format/job-layout.js';
import { toNodeError } from './attempt-errors.js';
import type { ExecutorDeps } from './executor-deps.js';

/**
 * Records the final failure of the steps a job was running after its own step completed (see
 * `inline-successor.ts`), when the job failed for good (its worker died too often, or Redis failed it):
 * each of them still running under a token of this job fails, and so does each for-each item the job
 * carried but never began (see `item-batch.ts`), so that its request ends instead of waiting for a step
 * nobody runs.
 */
export async function failInlineRuns(
  deps: ExecutorDeps,
  plan: FlowPlan,
  failed: {
    readonly requestId: string;
    readonly jobPath: string;
    readonly error: unknown;
    readonly attempts: number;
    /** The job's last owner token of the steps it ran after its own (see `inlineOwner`). */
    readonly owner: string;
    /** The other for-each items of a job of several (see `item-batch.ts`): those not begun fail too. */
    readonly batch?: readonly string[];
  },
): Promise<void> {
  const { requestId, jobPath, error, attempts } = failed;
  const steps = await deps.store.runningOwnedBy(plan.name, requestId, {
    suffix: chainOwnerSuffix(jobPath),
    ...(failed.batch === undefined ? {} : { unbegun: failed.batch }),
  });
  for (const { path, owner } of steps) {
    const recorded = await deps.store.failNode(
      plan.name,
      requestId,
      { path, owner: owner === '' ? failed.owner : owner },
      { error: toNodeError(vertexPath(path), attempts, error), final: true },
    );
    if (recorded.kind === 'recorded' && recorded.requestFailed)
      await requestEnded(deps, plan, { requestId, ending: 'failed' });
  }
}
