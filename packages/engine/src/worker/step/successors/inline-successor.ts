import type { BeginResult, CompletedStep, CompletionSpec } from '../../../store/state-results.js';
import { StepField, stepField } from '../../../format/layout.js';
import { chainOwner, ownerToken } from '../../../format/job-layout.js';
import type { TaskStep } from '../../../plan/steps.js';
import { inputFields } from '../../../plan/inputs.js';
import { traceProcess, serverOf } from '../../../infra/tracing.js';
import { RecordedFailure } from '../attempt-errors.js';
import type { Handed, Run } from '../step-run.js';

/**
 * At most this many steps run one after another inside one job (see {@link inlineSuccessor}); the next
 * released step then goes to the queue like any other, so that a long chain still lets other requests'
 * jobs in.
 */
export const INLINE_DEPTH = 64;

/**
 * The released successor that the job which completed `run`'s step runs next itself, instead of adding
 * it to the queue for any worker to fetch: a task that this job's queue serves, without retries, delay
 * or a wait, in a flow without a rate limit. One BullMQ job then carries a chain of steps (an add, a
 * fetch and a move-to-finished saved per step), while every step still begins, completes and is fenced
 * through the request state as its own job would.
 *
 * The choice depends only on the plan, the code of the process and which successors were released, so
 * a repeated completion (the job delivered again after its worker died) picks the same step on a worker
 * of the same code and takes it over from the dead delivery (see `inlineOwner`); a worker without that
 * step's code enqueues it instead, and its job takes the step over the same way.
 */
export function inlineSuccessor(
  run: Run,
  spec: CompletionSpec,
  released: ReadonlySet<string>,
): string | undefined {
  const { plan, job, at } = run;
  if ((run.inline?.depth ?? 0) >= INLINE_DEPTH || job.data.k !== undefined) return undefined;
  // A flow-wide rate limit counts jobs: each step its own (a keyed one counts requests).
  if (plan.hooks.rateLimit !== undefined && plan.hooks.rateLimit.key === undefined)
    return undefined;
  if (released.size === 0) return undefined;
  const queue = plan.queueOf(at.path);
  const { successors } = spec;
  for (let i = 0; i < successors.length; i += 2) {
    const path = String(successors[i]);
    if (!released.has(path)) continue;
    const step = plan.resolve(path)?.step;
    if (step?.kind !== 'task' || step.vertex.wait !== undefined || plan.queueOf(path) !== queue)
      continue;
    // A step whose code this process lacks (an older version's) goes to a process that has it.
    if (plan.lacks(step.template)) continue;
    if ((step.jobOptions.attempts ?? 1) !== 1 || step.jobOptions.delay !== undefined) continue;
    return path;
  }
  return undefined;
}

/**
 * The join (a successor waiting for several completions) that `run`'s job would run next if the
 * completion of `run`'s step released it: the first successor {@link inlineSuccessor} could pick, when
 * that is a join. The completion then begins it in the same script call (see `lua/completeStep.lua`),
 * as `runInline` would right after, with the same owner token and input fields.
 */
export function inlineJoin(run: Run, spec: CompletionSpec): CompletedStep['begin'] {
  const { successors } = spec;
  // Most completions (chains, roots) release no join: nothing to work out on this hot path.
  if (successors.every((value, i) => i % 2 === 0 || value === 'e')) return undefined;
  const parentsOf = new Map<string, string | number | undefined>();
  for (let i = 0; i < successors.length; i += 2)
    parentsOf.set(String(successors[i]), successors[i + 1]);
  const path = inlineSuccessor(run, spec, new Set(parentsOf.keys()));
  if (path === undefined) return undefined;
  const at = run.plan.resolve(path);
  if (parentsOf.get(path) === 'e' || at?.step.kind !== 'task') return undefined;
  return { path, owner: inlineOwner(run), fields: taskInputFields(path, at.step, at.keys) };
}

/** The data fields a task step's begin reads: an input given to rerun, then its parents' outputs. */
export function taskInputFields(path: string, step: TaskStep, keys: readonly string[]): string[] {
  return [stepField(StepField.input, path), ...inputFields(step, keys)];
}

/**
 * The owner token of steps run inside `run`'s job: the job delivery's own token and the path of the
 * job's step, so that it differs from the token of any step's own job, and a later delivery of the same
 * job (a higher delivery count) takes those steps over (see `lua/beginNode.lua`).
 */
export function inlineOwner(run: Run): string {
  // Outside a chain, the run is the job's own step.
  return run.inline?.owner ?? chainOwner(ownerToken(run.job), run.at.path);
}

/**
 * Runs the step at `path` inside `run`'s job, as one more link of its chain (through `run.runner`),
 * with the output of its only parent when `handed` (it then begins without Redis, see
 * `format/implied-begin.ts`). Its final failure is recorded in the request state like any step's, and
 * does not fail the job, whose own step completed.
 */
export async function runInline(
  run: Run,
  path: string,
  begins?: {
    readonly handed?: Handed | undefined;
    readonly begun?: BeginResult | undefined;
    /** Set when the completion just made in this job released the step (not an item of a batch). */
    readonly released?: boolean;
  },
): Promise<void> {
  const at = run.plan.resolve(path);
  if (at === undefined) return;
  const { deps, plan, job, requestId } = run;
  const { handed, begun, released = false } = begins ?? {};
  const inline = {
    depth: (run.inline?.depth ?? 0) + 1,
    owner: inlineOwner(run),
    released,
    ...(handed === undefined ? {} : { handed }),
    ...(begun === undefined ? {} : { begun }),
  };
  const target = () => ({
    flow: plan.name,
    queue: deps.keys.queueName(plan.name, plan.queueOf(path)),
    requestId,
    node: at.path,
    attempt: 1,
    server: serverOf(deps.redis),
    jobIds: [job.id ?? ''],
  });
  run.runs?.(at.path);
  try {
    await traceProcess(target, job.data.t, (carrier) =>
      run.runner.runStep({ ...run, at, carrier, inline }),
    );
  } catch (error) {
    if (!(error instanceof RecordedFailure)) throw error;
  }
}
