import { DagflowError, ErrorCode } from '@dagflow/flow';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { ClientConfig } from '../../config/client-config.js';
import type { WorkerConfig } from '../../config/worker-config.js';
import { requestEnded } from '../../queue/request-ended.js';
import {
  BATCH_STEP,
  DEADLINE_STEP,
  type NodeJobData,
  SCHEDULE_JOB,
  chainOwner,
  ownerToken,
  parseJobId,
} from '../../format/job-layout.js';
import { RecordedFailure, toNodeError } from '../step/attempt-errors.js';
import type { ExecutorDeps } from '../step/executor-deps.js';
import { NodeExecutor } from '../step/node-executor.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import { vertexPath } from '../../plan/paths.js';
import { LockRecheck } from './lock-recheck.js';
import { failInlineRuns } from '../step/inline-failures.js';
import type { RunningJobs } from './running-jobs.js';
import type { RequestListening } from './request-listening.js';
import { startScheduledRequest } from '../jobs/schedule-tick.js';
import { waitForDebounce } from '../jobs/debounce-gate.js';
import { runDeadline } from '../jobs/deadline-job.js';
import { closeBatch } from '../jobs/batch-close.js';
import { admitRoot } from '../../queue/concurrency-keys.js';
import { admitRate } from '../../queue/rate-keys.js';
import { divertToFair } from '../../queue/fair-admission.js';
import { giveBack } from '../step/step-give-back.js';
import type { Partition } from '../../format/partitions.js';

/** The step of a job when the plan lacks its code here (see `FlowPlan.lacks`). */
function lackedStep(
  plan: FlowPlan,
  job: Job<NodeJobData>,
): { readonly path: string; readonly template: string } | undefined {
  const path = parseJobId(job.id ?? '')?.path;
  const at = path === undefined ? undefined : plan.resolve(path);
  return at !== undefined && plan.lacks(at.step.template)
    ? { path: at.path, template: at.step.template }
    : undefined;
}

/** How often a node may lose its worker (killed, or event loop blocked past the lock) before it fails. */
const MAX_STALLED = 2;

/**
 * Starts a BullMQ worker on one queue of a flow (its own, or a named one). Failures that never reached the executor's own failure path
 * (Redis errors around a step, nodes whose worker died too often) are recorded here, so that every
 * request ends with a reason instead of hanging.
 */
export function startFlowWorker(
  deps: ExecutorDeps,
  plan: FlowPlan,
  options: ClientConfig &
    WorkerConfig & {
      readonly queue: string;
      /** The partition of the queue this worker serves. */
      readonly partition: Partition;
      /** The plan of another definition version, for requests that started on it. */
      readonly versionOf: (version: string) => Promise<FlowPlan>;
      /** This process's running jobs, for its worker announcement. */
      readonly running: RunningJobs;
      /** Listens to the requests whose jobs run here. */
      readonly listening: RequestListening;
    },
): Worker<NodeJobData> {
  // The runner of this worker's steps: every step of its jobs (chains, item batches) runs through it.
  const executor = new NodeExecutor(deps);
  const locks: LockRecheck = new LockRecheck(
    (ids, tokens, durationMs): Promise<string[]> => worker.extendJobLocks(ids, tokens, durationMs),
    deps.redis,
    { lockDurationMs: options.lockDurationMs, log: deps.log },
  );
  const worker: Worker<NodeJobData> = new Worker<NodeJobData>(
    deps.keys.queueName(plan.name, options.queue, options.partition),
    // A request runs to its end on the definition version it started with.
    async (job, token): Promise<void> => {
      if (job.name === SCHEDULE_JOB) return startScheduledRequest(deps, plan, job);
      if (job.name === DEADLINE_STEP) return runDeadline(deps, plan, { job, token });
      if (job.name === BATCH_STEP) return closeBatch(deps, plan, job);
      const version = job.data.v;
      const jobPlan =
        version === undefined || version === plan.version ? plan : await options.versionOf(version);
      // A step of a version whose code for it this process lacks goes back for a process that has it.
      const missing = jobPlan.lacking.size === 0 ? undefined : lackedStep(jobPlan, job);
      if (missing !== undefined) return giveBack(deps, jobPlan, job, { ...missing, token });
      if (job.data.d === 1) await waitForDebounce(deps, plan.name, { job, token });
      // The flow's options as registered here decide its fair key and its concurrency key.
      await divertToFair(deps, plan, { job, token });
      await admitRoot(deps, plan, { job, token });
      await admitRate(deps, plan, { job, token });
      const requestId = parseJobId(job.id ?? '')?.requestId ?? '';
      return options.running.track(plan.name, job.id, (runs) =>
        // A job of for-each items listens at once: its items after the first begin handed their input.
        options.listening.during(
          plan.name,
          requestId,
          () => locks.track(job, token, () => executor.execute(jobPlan, job, runs)),
          job.data.b !== undefined,
        ),
      );
    },
    {
      connection: deps.redis,
      prefix: deps.keys.prefix,
      concurrency: options.workerConcurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: MAX_STALLED,
    },
  );
  // Recorded as the job's last delivery: a failure of a stale delivery changes nothing.
  const record = (job: Job<NodeJobData>, path: string, error: unknown, attempts: number): void => {
    const requestId = parseJobId(job.id ?? '')?.requestId ?? '';
    deps.store
      .failNode(
        plan.name,
        requestId,
        { path, owner: ownerToken(job) },
        { error: toNodeError(vertexPath(path), attempts, error), final: true },
      )
      .then(async (recorded) => {
        if (recorded.kind === 'recorded' && recorded.requestFailed)
          await requestEnded(deps, plan, { requestId, ending: 'failed' });
        // The job's own step had completed: the failure is that of the steps it ran after it.
        if (recorded.kind === 'completed')
          await failInlineRuns(deps, plan, {
            requestId,
            jobPath: path,
            error,
            attempts,
            owner: chainOwner(ownerToken(job), path),
            ...(job.data.b === undefined ? {} : { batch: job.data.b }),
          });
      })
      .catch((cause: unknown) =>
        deps.log.error('could not record a node failure', {
          flow: plan.name,
          requestId,
          node: path,
          error: String(cause),
        }),
      );
  };
  // A fair job's end (completed, or failed for good) gives its key's slot back and dispatches the next
  // jobs (`queue/fair-queues.ts`); one that stalled for good is found by the reconcile.
  const releaseFair = (job: Job<NodeJobData>): void => {
    if (job.data.f === undefined || job.id === undefined) return;
    deps.queues.fair
      .release(plan, job.queueName, job.id)
      .catch((cause: unknown) =>
        deps.log.warn('could not release a fair slot', { flow: plan.name, error: String(cause) }),
      );
  };
  worker.on('completed', releaseFair);
  worker.on('closed', () => locks.close());
  worker.on('error', (error) =>
    deps.log.error('worker error', { flow: plan.name, error: error.message }),
  );
  worker.on('failed', (job, error) => {
    if (job === undefined) return;
    const final =
      error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) releaseFair(job);
    if (error instanceof RecordedFailure) return;
    const ids = parseJobId(job.id ?? '');
    // A deadline or batch job is no step: its failure (Redis unreachable) is logged.
    if (ids?.path === DEADLINE_STEP || ids?.path === BATCH_STEP) {
      deps.log.error(`a ${ids.path} job failed`, { flow: plan.name, error: error.message });
      return;
    }
    if (final && ids !== undefined) record(job, ids.path, error, job.attemptsMade);
  });
  worker.on('stalled', (id) => {
    // BullMQ re-queues a stalled job, or fails it after MAX_STALLED stalls without a 'failed' event.
    const parsed = parseJobId(id);
    if (parsed === undefined) return;
    deps.queues
      .queue(plan.name, options.queue, options.partition)
      .getJob(id)
      .then(async (job) => {
        if (job === undefined || !(await job.isFailed())) return;
        const error = new DagflowError(
          ErrorCode.NODE_STALLED,
          `The worker running '${parsed.path}' stopped more than ${MAX_STALLED} times (killed, or its event loop blocked longer than the ${options.lockDurationMs} ms lock).`,
        );
        record(job, parsed.path, error, MAX_STALLED + 1);
      })
      .catch((cause: unknown) =>
        deps.log.error('could not check a stalled node', { flow: plan.name, error: String(cause) }),
      );
  });
  return worker;
}
