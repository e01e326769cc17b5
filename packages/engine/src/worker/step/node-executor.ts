import type { NodeContext } from '@dagflow/flow';
import { type Job, UnrecoverableError } from 'bullmq';
import { encode } from '../../format/codec.js';
import type { ExecutorDeps } from './executor-deps.js';
import { stepField, StepField } from '../../format/layout.js';
import { type NodeJobData, parseJobId, FINISH_STEP } from '../../format/job-layout.js';
import { LazyAbort } from './handler/lazy-abort.js';
import { expandStart, expansion } from '../../plan/expand.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import {
  endFields,
  endOutput,
  endParts,
  inputFields,
  inputWithOverride,
} from '../../plan/inputs.js';
import { fill } from '../../plan/paths.js';
import {
  type EndStep,
  type StartStep,
  type TaskStep,
  parks,
  takesPayload,
} from '../../plan/steps.js';
import { waitFor } from './wait-step.js';
import { runFinish } from './request-finish.js';
import {
  checkedOutput,
  checkedSize,
  checkedWait,
  contextFor,
  withTimeout,
} from './handler/handler-run.js';
import { cachedOutput, cachedSpec } from './handler/cached-run.js';
import { isStop, toNodeError } from './attempt-errors.js';
import { completionOf, startSpec } from './successors/completion-specs.js';
import { type Run, type StepRunner, finalAttempt } from './step-run.js';
import { guarded } from './step-guard.js';
import { serverOf, traceProcess } from '../../infra/tracing.js';
import type { CompletionSpec } from '../../store/state-results.js';
import { runItemBatch } from './successors/item-batch.js';
import { taskInputFields } from './successors/inline-successor.js';
import {
  afterUpstream,
  awaitProducer,
  openUpstream,
  releaseConsumers,
  retryOnUpstream,
} from './stream-edges.js';

/**
 * Runs the step jobs of one worker: made once per worker (`flow-worker.ts`), it is the
 * {@link StepRunner} every {@link Run} of its jobs carries, so that a job's own step, the next steps
 * of its chain and the other items of its batch (see `successors/`) all run through
 * {@link NodeExecutor.runStep}. The guard around each step's work is `step-guard.ts`.
 */
export class NodeExecutor implements StepRunner {
  constructor(private readonly deps: ExecutorDeps) {}

  /**
   * Runs one step job: guard (`beginNode`), the step's work (a handler with timeout, a composite's
   * expansion or its join), then `completeNode` and the enqueue of the successors it released (see
   * `step-guard.ts`). A crash anywhere before the job finishes makes BullMQ run the job again; the
   * guard then either runs the work again (it never completed) or repeats the idempotent completion.
   */
  execute(
    plan: FlowPlan,
    job: Job<NodeJobData>,
    /** Told the path of each later step of the job's chain as it starts (for the workers page). */
    runs?: (path: string) => void,
  ): Promise<void> {
    const { deps } = this;
    const ids = parseJobId(job.id ?? '');
    if (ids === undefined)
      throw new UnrecoverableError(`Job '${job.id}' is not a dagflow node job.`);
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
      server: serverOf(deps.redis),
      jobIds: [job.id ?? ''],
    });
    return traceProcess(target, job.data.t, (carrier) => {
      const run: Run = {
        runner: this,
        deps,
        plan,
        job,
        requestId,
        at,
        carrier,
        ...(runs === undefined ? {} : { runs }),
      };
      // A job of several for-each items runs them one after the other.
      return job.data.b === undefined ? this.runStep(run) : runItemBatch(run);
    });
  }

  /** Runs one step of a job: the job's own, or the next one of its chain (see `inline-successor.ts`). */
  runStep(run: Run): Promise<void> {
    const { step } = run.at;
    switch (step.kind) {
      case 'task':
        return runTask(run, step);
      case 'start':
        return runStart(run, step);
      case 'end':
        return runEnd(run, step);
    }
  }
}

async function runTask(run: Run, step: TaskStep): Promise<void> {
  const spec = completionOf(step, run.at.keys);
  // A signal node (or event wait) reads its payload with its input, in the same begin.
  const signal = takesPayload(step) ? [stepField(StepField.signal, run.at.path)] : [];
  await awaitProducer(run, step);
  await guarded(
    run,
    () => [...taskInputFields(run.at.path, step, run.at.keys), ...signal],
    spec,
    async (begin) => {
      await releaseConsumers(run, step, begin.owner);
      const inputs = signal.length === 0 ? begin.inputs : begin.inputs.slice(0, -1);
      const controller = new LazyAbort();
      const ctx = contextFor(run, begin, controller);
      const upstream = await openUpstream(run, step, ctx.signal);
      const input = upstream?.input ?? (await inputWithOverride(step, inputs));
      const untrack = run.deps.running.track(`${run.plan.name}/${run.requestId}`, controller);
      try {
        if (parks(step)) {
          const waited = { payload: begin.inputs.at(-1), input };
          const output = await checkedWait(step, ctx, await waitFor(run, step, waited));
          return output === undefined ? undefined : { output: checkedSize(run, output), spec };
        }
        const call = { input, signal: () => controller.signal };
        const ran = () => afterUpstream(upstream, withTimeout(step, input, ctx, controller));
        const { output, cached } = await cachedOutput(run, step, call, async () =>
          checkedSize(run, encode(await checkedOutput(step, ctx, await ran()))),
        );
        return { output, spec: cached ? cachedSpec(spec, run.at.path) : spec };
      } catch (error) {
        await retryOnUpstream(run, error);
        const { fallback } = step.options;
        if (fallback === undefined || !finalAttempt(run, error) || isStop(error)) throw error;
        // The fallback's output stands in for the node's; the original error stays in the node state.
        const stand = await (fallback as (i: unknown, c: NodeContext, e: unknown) => unknown)(
          input,
          ctx,
          error,
        );
        const output = checkedSize(run, encode(await checkedOutput(step, ctx, stand)));
        const recorded = JSON.stringify({
          ...toNodeError(run.at.path, begin.attempt, error),
          fallback: true,
        });
        return {
          output,
          spec: { ...spec, stateFields: [stepField(StepField.error, run.at.path), recorded] },
        };
      } finally {
        upstream?.close();
        untrack();
      }
    },
  );
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
