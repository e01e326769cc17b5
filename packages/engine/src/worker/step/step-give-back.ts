import { DagflowError, ErrorCode } from '@dagflow/flow';
import { DelayedError, type Job } from 'bullmq';
import type { FlowPlan } from '../../plan/flow-plan.js';
import { vertexPath } from '../../plan/paths.js';
import { requestEnded } from '../../queue/request-ended.js';
import { type NodeJobData, ownerToken, parseJobId } from '../../format/job-layout.js';
import { toNodeError } from './attempt-errors.js';
import type { ExecutorDeps } from './executor-deps.js';

/** Back-off of a job given back while another live worker can run its step: 50 ms, doubled, at most 1 s. */
const ROUTED = { firstMs: 50, maxMs: 1_000 };
/** Back-off of a job no live worker can run: 250 ms, doubled, at most 5 s (a starting worker promotes it). */
const UNAVAILABLE = { firstMs: 250, maxMs: 5_000 };

/**
 * Gives a job back to its queue because this process has no code for its step (its request runs on a
 * flow version whose node this process's code lacks): BullMQ delays it (`moveToDelayed`, not counted as
 * an attempt) for a process that has the code, with a back-off that grows with each give-back. When no
 * live worker has the code, the step waits with reason `STEP_UNAVAILABLE` (and fails with that code after
 * the service's `stepUnavailableTimeoutMs`), and a worker that starts with the code runs it at once (see
 * {@link promoteRunnable}).
 */
export async function giveBack(
  deps: ExecutorDeps,
  plan: FlowPlan,
  job: Job<NodeJobData>,
  at: { readonly path: string; readonly template: string; readonly token: string | undefined },
): Promise<void> {
  const ids = parseJobId(job.id ?? '');
  if (ids === undefined) return;
  const { requestId } = ids;
  // Deliveries since the job's last real attempt: each give-back starts the job once more.
  const given = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
  const capable = (await deps.capability.counts(plan.name)).get(at.template) ?? 0;
  let backoff = ROUTED;
  if (capable === 0) {
    backoff = UNAVAILABLE;
    const now = Date.now();
    const since = await deps.store.markUnavailable(plan.name, requestId, at.path, now);
    // Began elsewhere, ended, gone, or held by a paused request: the job has nothing left to do.
    if (since === undefined) return;
    if (since === now) deps.metrics.stepUnavailable(plan.name);
    const limit = deps.stepUnavailableTimeoutMs;
    if (limit !== undefined && now - since >= limit)
      return failUnavailable(deps, plan, job, at.path);
    await deps.capability.park(
      plan.name,
      { queueName: job.queueName, jobId: job.id ?? '', template: at.template },
      since,
    );
  }
  deps.metrics.gaveBack(plan.name);
  const delay = Math.min(backoff.firstMs * 2 ** Math.min(given, 16), backoff.maxMs);
  deps.log.debug('node given back: this process has no code for it', {
    flow: plan.name,
    requestId,
    node: at.path,
    version: plan.version,
    capableWorkers: capable,
    delayMs: delay,
  });
  await job.moveToDelayed(Date.now() + delay, at.token);
  throw new DelayedError();
}

/** Fails a step no live worker could run for longer than `stepUnavailableTimeoutMs`. */
async function failUnavailable(
  deps: ExecutorDeps,
  plan: FlowPlan,
  job: Job<NodeJobData>,
  path: string,
): Promise<void> {
  const requestId = parseJobId(job.id ?? '')?.requestId ?? '';
  const error = new DagflowError(
    ErrorCode.STEP_UNAVAILABLE,
    `No live worker has the code of node '${vertexPath(path)}' of flow '${plan.name}' (version ${plan.version}) for longer than stepUnavailableTimeoutMs (${String(deps.stepUnavailableTimeoutMs)} ms); start a worker with it, or migrate the request, then rerun it.`,
  );
  const recorded = await deps.store.failNode(
    plan.name,
    requestId,
    { path, owner: ownerToken(job) },
    { error: toNodeError(vertexPath(path), job.attemptsMade, error), final: true },
  );
  if (recorded.kind === 'recorded' && recorded.requestFailed)
    await requestEnded(deps, plan, { requestId, ending: 'failed' });
}

/**
 * Runs at once the parked jobs (see `StepCapability.park`) of the flow whose steps this process has code
 * for: called when a worker starts serving the flow, and with each heartbeat. At most 1,000 a call.
 */
export async function promoteRunnable(deps: ExecutorDeps, plan: FlowPlan): Promise<number> {
  const parked = await deps.capability.parked(plan.name, 1_000);
  const runnable = parked.filter(({ template }) => !plan.lacks(template) && plan.hasStep(template));
  let promoted = 0;
  for (const entry of runnable) {
    const job = await deps.queues.queueNamed(plan.name, entry.queueName).getJob(entry.jobId);
    const ids = parseJobId(entry.jobId);
    if (ids !== undefined) await deps.store.clearUnavailable(plan.name, ids.requestId, ids.path);
    if (job !== undefined && (await job.isDelayed())) {
      await job.promote().catch(() => undefined); // started meanwhile
      promoted += 1;
    }
  }
  await deps.capability.unpark(plan.name, runnable);
  return promoted;
}
