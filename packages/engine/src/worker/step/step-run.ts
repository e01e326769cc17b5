import type { Job } from 'bullmq';
import type { Logger } from '../../infra/logger.js';
import type { EnqueueOptions } from '../../queue/node-queues.js';
import type { FlowPlan, ResolvedStep } from '../../plan/flow-plan.js';
import { jobId, type NodeJobData } from '../../format/job-layout.js';
import { type Carrier, serverOf, traceSend } from '../../infra/tracing.js';
import type { ExecutorDeps } from './executor-deps.js';
import type { BeginResult } from '../../store/state-results.js';
import { clockAt } from '../../infra/clock.js';
import { isFinalAttempt } from './attempt-errors.js';

/**
 * What runs the steps of this worker's jobs (see `node-executor.ts`): made once per worker and carried
 * by every {@link Run}, so that what follows a completion (a chain's next step, the other items of a
 * batch, see `successors/`) runs its step through the same runner as the job's own.
 */
export interface StepRunner {
  /** Runs one step: the job's own, or the next one of its chain. */
  runStep(run: Run): Promise<void>;
}

/** One job of one request, as the executor runs it. */
export interface Run {
  /** The runner of this worker's steps; a step that runs another one runs it through this. */
  readonly runner: StepRunner;
  /** The services of this worker's steps (the runner's). */
  readonly deps: ExecutorDeps;
  readonly plan: FlowPlan;
  readonly job: Job<NodeJobData>;
  readonly requestId: string;
  readonly at: ResolvedStep;
  /** Trace context of this attempt's span, handed to the jobs it enqueues. */
  readonly carrier: Carrier | undefined;
  /** Tells this process's list of running jobs which step the job runs now. */
  readonly runs?: (path: string) => void;
  /**
   * Set when the step runs inside the job of an earlier step of its chain (see `inline-successor.ts`):
   * its place in the chain and the owner token of the chain's steps.
   */
  readonly inline?: {
    readonly depth: number;
    readonly owner: string;
    /** The output of its only parent, run just before it in this job: it begins without Redis. */
    readonly handed?: Handed;
    /**
     * Whether the completion of its parent, just made in this job, released it (a chain's next step):
     * that completion found the request running, so the step begins as if with it. False for the
     * items of a batch, released when their for-each began.
     */
    readonly released: boolean;
    /** A join begun by the completion that released it (see `inlineJoin`): it begins no more. */
    readonly begun?: BeginResult;
  };
}

/** A begun attempt of a step: its number, the request context, its inputs and its owner token. */
export type Begun = {
  readonly attempt: number;
  readonly context: string | null;
  readonly inputs: (string | null)[];
  /** The attempt's owner token (see `ownerToken`). */
  readonly owner: string;
};

/** Whether an attempt that failed with `error` was the step's last; a step run inline has one attempt. */
export function finalAttempt(run: Run, error: unknown): boolean {
  return run.inline !== undefined || isFinalAttempt(run.job, error);
}

/** What a completing attempt hands its successors: its encoded output and the request context. */
export interface Handed {
  readonly output: string;
  readonly context: string | null;
}

/**
 * When the attempt's step began, if before the attempt (a sleep began sleeping when its delayed job was
 * added, not when the job started): its start in the request state.
 */
export function waitedSince(run: Run): number | undefined {
  const { step } = run.at;
  const sleeps = step.kind === 'task' && step.vertex.wait?.kind === 'sleep';
  return sleeps && run.inline === undefined ? clockAt(run.job.timestamp) : undefined;
}

/**
 * An attempt that lost the step (a rerun reset it, or a later delivery began it) finished: its result is
 * dropped, logged and counted; it wrote and released nothing.
 */
export function dropStale(run: Run, owner: string, current: string): void {
  run.deps.metrics.staleAttempt(run.plan.name);
  run.deps.log.warn('stale node attempt: result dropped', {
    flow: run.plan.name,
    requestId: run.requestId,
    node: run.at.path,
    attempt: owner,
    owner: current,
  });
}

/**
 * Enqueues steps of this request; they inherit the job-id generation (or take the one they were first
 * released with, for a repeated completion), the request's priority and the trace.
 */
export function enqueue(
  run: Run,
  paths: readonly string[],
  inline?: EnqueueOptions['inline'],
  generation = run.job.data.g ?? 0,
): Promise<void> {
  if (paths.length === 0) return Promise.resolve();
  const { plan, requestId, deps } = run;
  const send = (trace: Carrier | undefined): Promise<void> =>
    deps.queues.enqueue(plan, requestId, paths, {
      // Successors stay in the partition of the job that released them.
      partition: deps.keys.partitionOfQueue(run.job.queueName),
      generation,
      ...(run.job.opts.priority === undefined ? {} : { priority: run.job.opts.priority }),
      ...(inline === undefined ? {} : { inline }),
      // A fair job's successors are dispatched in the request's key's turn.
      ...(run.job.data.f === undefined
        ? {}
        : { fair: { key: run.job.data.f, weight: run.job.data.fw ?? 1 } }),
      trace,
    });
  // No carrier means no tracing SDK: skip the (no-op) send span on this hot path.
  if (run.carrier === undefined) return send(undefined);
  const queue = deps.keys.queueName(plan.name, plan.queueOf(paths[0] ?? ''));
  const jobIds = paths.map((path) => jobId(requestId, path, generation));
  const target = { flow: plan.name, queue, requestId, server: serverOf(deps.redis), jobIds };
  return traceSend(target, run.carrier, send);
}

/** A logger for one attempt of the run's step. */
export function logFor(run: Run, attempt: number): Logger {
  return run.deps.log.child({
    flow: run.plan.name,
    requestId: run.requestId,
    node: run.at.path,
    attempt,
  });
}
