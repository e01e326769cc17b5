import type { NodeContext } from '@dagflow/flow';
import { decode } from '../../format/codec.js';
import { toNodeError } from './attempt-errors.js';
import { contextFor } from './handler/handler-run.js';
import type { ExecutorDeps } from './executor-deps.js';
import { LazyAbort } from './handler/lazy-abort.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import { inputFields, vertexInput } from '../../plan/inputs.js';
import type { TaskStep } from '../../plan/steps.js';
import { runScript } from '../../store/scripts/scripts.js';
import { stepField, StepField, pathOfField, RequestField, DataField } from '../../format/layout.js';
import { stepTimesOf } from '../../format/step-record.js';

/** Attempts of each compensation. */
const COMPENSATION_ATTEMPTS = 3;

/**
 * Runs once a request ended (a deterministic job id keeps it single): for a failed or stopped request the
 * compensations of completed nodes in reverse completion order, each with that node's input and output
 * and up to 3 attempts, then `onFailure`; for every ending, `finally`. Outcomes go to the request state
 * (`c|<path>` fields); a compensation already done is not run again when the job is retried.
 */
export async function runFinish(
  deps: ExecutorDeps,
  plan: FlowPlan,
  requestId: string,
): Promise<void> {
  const keys = deps.keys.request(plan.name, requestId);
  const fields = await deps.redis.hgetall(keys.state);
  const status = fields[RequestField.status];
  if (status === undefined) return;
  if (status === 'failed' || status === 'stopped') {
    const generation = fields[RequestField.generation] ?? '0';
    for (const { path, step } of completedWithCompensation(plan, fields)) {
      if (fields[stepField(StepField.compensation, path)]?.includes('"completed"')) continue;
      const outcome = await compensate(deps, plan, requestId, { path, step });
      // Fenced: once the request was rerun, the rest of its compensations are not run or recorded.
      const recorded = await runScript(
        deps.redis,
        'recordCompensation',
        [keys.state],
        [path, JSON.stringify(outcome), generation],
      );
      if (recorded !== 1) {
        deps.metrics.staleAttempt(plan.name);
        deps.log.warn('compensations stopped: the request was rerun', {
          flow: plan.name,
          requestId,
          node: path,
        });
        return;
      }
    }
  }
  const { onFailure, finally: onFinally } = plan.hooks;
  const ended = { flow: plan.name, requestId, status };
  if ((status === 'failed' || status === 'stopped') && onFailure !== undefined)
    await onFailure(ended);
  if (onFinally !== undefined) await onFinally(ended);
}

/** Completed tasks with a compensation, latest completion first (ties: later in the flow first). */
function completedWithCompensation(
  plan: FlowPlan,
  fields: Record<string, string>,
): { path: string; step: TaskStep }[] {
  const found: { path: string; step: TaskStep; finished: number; order: number }[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const path = pathOfField(StepField.status, field);
    if (path === undefined || value !== 'completed') continue;
    const at = plan.resolve(path);
    if (at?.step.kind !== 'task' || at.step.options.compensate === undefined) continue;
    found.push({
      path,
      step: at.step,
      finished: stepTimesOf(fields, path).finishedAt ?? 0,
      order: plan.orderOf(at.step.template),
    });
  }
  return found.sort((a, b) => b.finished - a.finished || b.order - a.order);
}

async function compensate(
  deps: ExecutorDeps,
  plan: FlowPlan,
  requestId: string,
  target: { path: string; step: TaskStep },
): Promise<{ status: 'completed' | 'failed'; attempts: number; error?: unknown }> {
  const { path, step } = target;
  const at = plan.resolve(path);
  const keysOfItems = at?.keys ?? [];
  const data = deps.keys.request(plan.name, requestId).data;
  const [context = null, output = null, ...encoded] = await deps.redis.hmget(
    data,
    DataField.context,
    stepField(StepField.output, path),
    ...inputFields(step, keysOfItems),
  );
  const input = await vertexInput(step, encoded);
  const handler = step.options.compensate as (
    input: unknown,
    output: unknown,
    ctx: NodeContext,
  ) => unknown;
  let lastError: unknown;
  for (let attempt = 1; attempt <= COMPENSATION_ATTEMPTS; attempt++) {
    const ctx = contextFor(
      { deps, plan, requestId, at: { path } },
      { attempt, context },
      new LazyAbort(),
    );
    try {
      await handler(input, decode(output ?? 'null'), ctx);
      return { status: 'completed', attempts: attempt };
    } catch (error) {
      lastError = error;
      ctx.log.warn('compensation attempt failed', { error: String(error) });
    }
  }
  return {
    status: 'failed',
    attempts: COMPENSATION_ATTEMPTS,
    error: toNodeError(path, COMPENSATION_ATTEMPTS, lastError),
  };
}
