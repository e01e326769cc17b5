import { requestEnded } from '../request-ended.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { vertexPath } from '../plan/paths.js';
import { toNodeError } from './attempt-errors.js';
import { type ExecutorDeps, endingParts } from './executor-deps.js';

/**
 * Records the final failure of the steps a job was running after its own step completed (see
 * `inline-successor.ts`), when the job failed for good (its worker died too often, or Redis failed it):
 * each of them still running under a token of this job fails, so that its request ends instead of
 * waiting for a step nobody runs.
 */
export async function failInlineRuns(
  deps: ExecutorDeps,
  plan: FlowPlan,
  failed: {
    readonly requestId: string;
    readonly jobPath: string;
    readonly error: unknown;
    readonly attempts: number;
  },
): Promise<void> {
  const { requestId, jobPath, error, attempts } = failed;
  const steps = await deps.store.runningOwnedBy(plan.name, requestId, `@${jobPath}`);
  for (const { path, owner } of steps) {
    const recorded = await deps.store.failNode(
      plan.name,
      requestId,
      { path, owner },
      { error: toNodeError(vertexPath(path), attempts, error), final: true },
    );
    if (recorded.kind === 'recorded' && recorded.requestFailed)
      await requestEnded(endingParts(deps), plan, { requestId, ending: 'failed' });
  }
}
