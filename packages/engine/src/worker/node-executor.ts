import type { NodeContext } from '@dagflow/flow';
import { type Job, UnrecoverableError } from 'bullmq';
import { decode, encode } from '../codec.js';
import type { ExecutorDeps } from './executor-deps.js';
import {
  type NodeJobData,
  ownerToken,
  parseJobId,
  stepField,
  StepField,
  FINISH_STEP,
} from '../store/layout.js';
import type { EnqueueOptions } from '../node-queues.js';
import { LazyAbort } from './lazy-abort.js';
import { expandStart, expansion } from '../plan/expand.js';
import type { FlowPlan, ResolvedStep } from '../plan/flow-plan.js';
import {
  HAND_OVER_LIMIT,
  endFields,
  endOutput,
  endParts,
  inputFields,
  vertexInput,
} from '../plan/inputs.js';
import { fill, vertexPath } from '../plan/paths.js';
import type { EndStep, StartStep, TaskStep } from '../plan/steps.js';
import { runFinish } from './request-finish.js';
import { checkedSize, contextFor, withTimeout } from './handler-run.js';
import { RecordedFailure, isFinalAttempt, isStop, toNodeError } from './attempt-errors.js';
import { completionOf, startSpec } from './completion-specs.js';
import { traceProcess, traceSend } from '../tracing.js';
import {
  type BeginResult,
  type CompleteResult,
  type CompletionSpec,
} from '../store/state-store.js';

/** One job of one request, as the executor runs it. */
interface Run {
  readonly deps: ExecutorDeps;
  readonly plan: FlowPlan;
  readonly job: Job<NodeJobData>;
  readonly requestId: string;
  readonly at: ResolvedStep;
  /** Trace context of this attempt's span, handed to the jobs it enqueues. */
  readonly carrier: string | undefined;
}

/**
 * Runs one step job: guard (`beginNode`), the step's work (a handler with timeout, a composite's
 * expansion or its join), then `completeNode` and the enqueue of the successors it released. A crash
 * anywhere before the job finishes makes BullMQ run the job again; the guard then either runs the work
 * again (it never completed) or repeats the idempotent completion.
 */
export async function executeNode(
  deps: ExecutorDeps,
  plan: FlowPlan,
  job: Job<NodeJobData>,
): Promise<void> {
  const ids = parseJobId(job.id ?? '');
  if (ids === undefined) throw new UnrecoverableError(`Job '${job.id}' is not a dagflow node job.`);
  const { requestId, path } = ids;
  if (path === FINISH_STEP) return runFinish(deps, plan, requestId);
  const at = plan.resolve(path);
  if (at === undefined) {
    throw new UnrecoverableError(
      `Flow '${plan.name}' (version ${plan.version}) has no step '${path}'.`,
    );
  }
  const { step } = at;
  // The span's attributes are made only when a tracing SDK is registered.
  const target = () => ({
    flow: plan.name,
    queue: deps.keys.queueName(plan.name, step.kind === 'task' ? step.queue : ''),
    requestId,
    node: at.path,
    attempt: job.attemptsMade + 1,
  });
  return traceProcess(target, job.data.t, (carrier) => {
    const run: Run = { deps, plan, job, requestId, at, carrier };
    switch (step.kind) {
      case 'task':
        return runTask(run, step);
      case 'start':
        return runStart(run, step);
      case 'end':
        return runEnd(run, step);
    }
  });
}

async function runTask(run: Run, step: TaskStep): Promise<void> {
  const spec = completionOf(step, run.at.keys);
  await guarded(
    run,
    () => [stepField(StepField.input, run.at.path), ...inputFields(step, run.at.keys)],
    spec,
    async (begin) => {
      const input = await inputWithOverride(step, begin.inputs);
      const controller = new LazyAbort();
      const ctx = contextFor(run, begin, controller);
      const untrack = run.deps.running.track(`${run.plan.name}/${run.requestId}`, controller);
      try {
        return {
          output: checkedSize(run, encode(await withTimeout(step, input, ctx, controller))),
          spec,
        };
      } catch (error) {
        const { fallback } = step.options;
        if (fallback === undefined || !isFinalAttempt(run.job, error) || isStop(error)) throw error;
        // The fallback's output stands in for the node's; the original error stays in the node state.
        const output = checkedSize(
          run,
          encode(
            await (fallback as (i: unknown, c: NodeContext, e: unknown) => unknown)(
              input,
              ctx,
              error,
            ),
          ),
        );
        const recorded = JSON.stringify({
          ...toNodeError(run.at.path, begin.attempt, error),
          fallback: true,
        });
        return {
          output,
          spec: { ...spec, stateFields: [stepField(StepField.error, run.at.path), recorded] },
        };
      } finally {
        untrack();
      }
    },
  );
}

/**
 * A task's or start step's input: the one given to `rerun` (first field, `i|<path>`), else the input
 * its parents or scope give it.
 */
function inputWithOverride(
  step: TaskStep | StartStep,
  encoded: readonly (string | null)[],
): Promise<unknown> {
  const [override, ...inputs] = encoded;
  return override == null ? vertexInput(step, inputs) : Promise.resolve(decode(override));
}

async function runStart(run: Run, step: StartStep): Promise<void> {
  const { keys, path } = run.at;
  // Repeating a completion re-derives the release from the keys stored the first time.
  const repeat = async (): Promise<CompletionSpec> => {
    const picked =
      step.vertex.kind === 'subdag'
        ? ['']
        : await run.deps.store.readPicked(run.plan.name, run.requestId, fill(step.end, keys));
    return startSpec(expansion(step, keys, picked ?? []));
  };
  await guarded(
    run,
    () => [stepField(StepField.input, path), ...inputFields(step, keys)],
    repeat,
    async (begin) => {
      const input = await inputWithOverride(step, begin.inputs);
      const expanded = await expandStart(step, keys, input, path.slice(0, path.lastIndexOf('/')));
      return { output: encode(input), spec: startSpec(expanded) };
    },
  );
}

async function runEnd(run: Run, step: EndStep): Promise<void> {
  const { keys, path } = run.at;
  const picked =
    step.vertex.kind === 'subdag'
      ? ['']
      : ((await run.deps.store.readPicked(run.plan.name, run.requestId, path)) ?? []);
  const parts = endParts(step, keys, picked);
  const spec = completionOf(step, keys);
  await guarded(
    run,
    () => endFields(step, keys, parts),
    spec,
    async (begin) => ({
      output: encode(await endOutput(step, parts, begin.inputs)),
      spec,
    }),
  );
}

type Begun = {
  readonly attempt: number;
  readonly context: string | null;
  readonly inputs: (string | null)[];
};

/**
 * The guard around a step's work: begin (or repeat a finished completion), do the work, complete and
 * enqueue what was released; a failure is recorded, final when no attempt is left.
 */
async function guarded(
  run: Run,
  fields: () => readonly string[],
  repeatSpec: CompletionSpec | (() => Promise<CompletionSpec>),
  work: (begin: Begun) => Promise<{ output: string; spec: CompletionSpec }>,
): Promise<void> {
  const { deps, plan, requestId, at } = run;
  const owner = ownerToken(run.job);
  const begin =
    handedOver(run, owner) ??
    (await deps.store.beginNode(plan.name, requestId, { path: at.path, owner }, fields()));
  if (begin.kind === 'completed') {
    const spec = typeof repeatSpec === 'function' ? await repeatSpec() : repeatSpec;
    const repeated = { path: at.path, output: 'null', owner: '' };
    return release(run, await deps.store.completeNode(plan.name, requestId, repeated, spec));
  }
  if (begin.kind === 'stale') return dropStale(run, owner, begin.owner);
  if (begin.kind !== 'run') return;
  let done: { output: string; spec: CompletionSpec };
  const started = performance.now();
  try {
    done = await work(begin);
  } catch (error) {
    begin.settle?.();
    deps.metrics.observeNode(plan.name, (performance.now() - started) / 1000);
    const final = isFinalAttempt(run.job, error);
    if (!final) deps.metrics.retried(plan.name);
    const nodeError = toNodeError(vertexPath(at.path), begin.attempt, error);
    logFor(run, begin.attempt).warn(final ? 'node failed for good' : 'node attempt failed', {
      error: nodeError,
    });
    const recorded = await deps.store.failNode(
      plan.name,
      requestId,
      { path: at.path, owner },
      {
        error: nodeError,
        final,
        ...(begin.startedAt === undefined
          ? {}
          : {
              extraFields: [
                stepField(StepField.startedAt, at.path),
                String(begin.startedAt),
                stepField(StepField.attempts, at.path),
                '1',
              ],
            }),
      },
    );
    // A stale attempt's failure is dropped, and its job must not be retried: a retry would own the step.
    if (recorded.kind === 'stale') return dropStale(run, owner, recorded.owner);
    if (recorded.requestFailed) deps.metrics.requestEnded(plan.name, 'failed');
    if (recorded.requestFailed && plan.hasFinishHooks)
      await deps.queues.enqueue(plan, requestId, [FINISH_STEP]);
    throw final ? new RecordedFailure(nodeError.message) : error;
  }
  begin.settle?.();
  deps.metrics.observeNode(plan.name, (performance.now() - started) / 1000);
  const { spec } = done;
  const completed = { path: at.path, output: done.output, startedAt: begin.startedAt, owner };
  const { inline = [], plain = [] } = spec.enqueueNow ?? {};
  // A task with nothing to enqueue right behind its completion (a for-each item's last step) completes
  // together with the siblings that finish in the same tick.
  if (at.step.kind === 'task' && inline.length === 0 && plain.length === 0) {
    const result = await deps.store.completeNodeInBatch(plan.name, requestId, completed, spec);
    return release(run, result);
  }
  const result = await deps.store.completeNode(plan.name, requestId, completed, spec);
  // Successors with this step as their only parent are added only once the completion was accepted,
  // so that a stale attempt releases nothing. While the request is paused, stopped or failed they are
  // added without their input: their own jobs go through beginNode, which holds them.
  if (result.kind === 'not-running') return enqueue(run, [...plain, ...inline]);
  if (result.kind !== 'released' || result.generation !== undefined) return release(run, result);
  // Those whose only input is this output get it in their job data (when small), with the request
  // context; a start step hands each item's input to the item's roots.
  const handOver = done.output.length <= HAND_OVER_LIMIT;
  const itemInputs = spec.handOver && { input: spec.handOver, context: begin.context };
  await Promise.all([
    enqueue(run, handOver ? plain : [...plain, ...inline], itemInputs),
    handOver ? enqueue(run, inline, { input: done.output, context: begin.context }) : undefined,
    release(run, result, itemInputs),
  ]);
}

/** A step handed its input shows as running in the request state once it runs this long. */
const SHOW_RUNNING_AFTER_MS = 20;

/**
 * Starts a step whose parent handed its input over in the job data, without reading Redis, on its
 * first delivery only: a retry or a stall-recovered run goes through `beginNode` (the guard), as does
 * a step of a request this process knows to be paused, stopped or failed. Its start time and attempt
 * are written with its completion; a step still running after {@link SHOW_RUNNING_AFTER_MS} is marked
 * running on the way (not awaited), so that fast steps cost no extra write.
 */
function handedOver(run: Run, owner: string): (BeginResult & { kind: 'run' }) | undefined {
  const { job, deps, plan, requestId, at } = run;
  const input = job.data.i;
  if (input === undefined || job.attemptsMade > 0 || job.attemptsStarted > 1) return undefined;
  if (deps.isHeld(`${plan.name}/${requestId}`)) return undefined;
  const startedAt = Date.now();
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
    context: job.data.c ?? null,
    inputs: [null, input],
    settle: () => clearTimeout(timer),
    startedAt,
  };
}

async function release(
  run: Run,
  result: CompleteResult,
  inline?: EnqueueOptions['inline'],
): Promise<void> {
  if (result.kind === 'stale') return dropStale(run, ownerToken(run.job), result.owner);
  if (result.kind !== 'released') return;
  if (result.completedRequest) run.deps.metrics.requestEnded(run.plan.name, 'completed');
  if (result.completedRequest && run.plan.hooks.finally !== undefined) {
    await run.deps.queues.enqueue(run.plan, run.requestId, [FINISH_STEP]);
  }
  await enqueue(run, result.ready, inline, result.generation);
}

/**
 * An attempt that lost the step (a rerun reset it, or a later delivery began it) finished: its result is
 * dropped, logged and counted; it wrote and released nothing.
 */
function dropStale(run: Run, owner: string, current: string): void {
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
function enqueue(
  run: Run,
  paths: readonly string[],
  inline?: EnqueueOptions['inline'],
  generation = run.job.data.g ?? 0,
): Promise<void> {
  if (paths.length === 0) return Promise.resolve();
  const { plan, requestId, deps } = run;
  const send = (trace: string | undefined): Promise<void> =>
    deps.queues.enqueue(plan, requestId, paths, {
      generation,
      ...(run.job.opts.priority === undefined ? {} : { priority: run.job.opts.priority }),
      ...(inline === undefined ? {} : { inline }),
      trace,
    });
  // No carrier means no tracing SDK: skip the (no-op) send span on this hot path.
  if (run.carrier === undefined) return send(undefined);
  const queue = deps.keys.queueName(plan.name, plan.queueOf(paths[0] ?? ''));
  return traceSend({ flow: plan.name, queue, requestId }, run.carrier, send);
}

function logFor(run: Run, attempt: number) {
  return run.deps.log.child({
    flow: run.plan.name,
    requestId: run.requestId,
    node: run.at.path,
    attempt,
  });
}
