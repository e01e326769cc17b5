import { DelayedError } from 'bullmq';
import { requestEnded } from '../../queue/request-ended.js';
import { ownerToken } from '../../format/job-layout.js';
import { vertexPath } from '../../plan/paths.js';
import type { CompletionSpec } from '../../store/state-results.js';
import { RecordedFailure, toNodeError } from './attempt-errors.js';
import { impliedBegin } from './implied-begin.js';
import { type Begun, type Run, dropStale, finalAttempt, logFor, waitedSince } from './step-run.js';
import { releaseSuccessors } from './successors/successor-release.js';
import { inlineJoin } from './successors/inline-successor.js';

/** What a step's work gives its guard: its encoded output and completion; undefined once parked. */
export type StepDone = { readonly output: string; readonly spec: CompletionSpec } | undefined;

/**
 * The guard around a step's work: begin (or repeat a finished completion), do the work, complete and
 * enqueue what was released; a failure is recorded, final when no attempt is left.
 */
export async function guarded(
  run: Run,
  fields: () => readonly string[],
  repeatSpec: CompletionSpec | (() => Promise<CompletionSpec>),
  work: (begin: Begun) => Promise<StepDone>,
): Promise<void> {
  const { deps, plan, requestId, at } = run;
  const owner = run.inline === undefined ? ownerToken(run.job) : run.inline.owner;
  const begin =
    impliedBegin(run, owner) ??
    run.inline?.begun ??
    (await deps.store.beginNode(
      plan.name,
      requestId,
      { path: at.path, owner, since: waitedSince(run) },
      fields(),
    ));
  if (begin.kind === 'completed') {
    const spec = typeof repeatSpec === 'function' ? await repeatSpec() : repeatSpec;
    const repeated = { path: at.path, output: 'null', owner: '' };
    const repeat = await deps.store.completeNode(plan.name, requestId, repeated, spec);
    return releaseSuccessors(run, spec, repeat);
  }
  if (begin.kind === 'stale') return dropStale(run, owner, begin.owner);
  if (begin.kind !== 'run') return;
  let done: StepDone;
  const started = performance.now();
  try {
    done = await work({ ...begin, owner });
  } catch (error) {
    begin.settle?.();
    // A stream edge's consumer waits for its producer's next attempt: not a failure.
    if (error instanceof DelayedError) throw error;
    deps.metrics.observeNode(plan.name, 'failed', (performance.now() - started) / 1000);
    const final = finalAttempt(run, error);
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
        ...(begin.startedAt === undefined ? {} : { impliedStart: begin.startedAt }),
      },
    );
    // A stale attempt's failure is dropped, and its job must not be retried: a retry would own the step.
    if (recorded.kind === 'stale') return dropStale(run, owner, recorded.owner);
    if (recorded.kind === 'recorded' && recorded.requestFailed)
      await requestEnded(deps, plan, { requestId, ending: 'failed' });
    throw final ? new RecordedFailure(nodeError.message) : error;
  }
  begin.settle?.();
  if (done === undefined) return; // parked: a wake job completes the step
  deps.metrics.observeNode(plan.name, 'completed', (performance.now() - started) / 1000);
  const { spec } = done;
  // The join this job would run next begins with the completion that releases it.
  const join = inlineJoin(run, spec);
  const completed = {
    path: at.path,
    output: done.output,
    startedAt: begin.startedAt,
    owner,
    ...(join === undefined ? {} : { begin: join }),
  };
  const { inline = [], plain = [] } = spec.enqueueNow ?? {};
  const handed = { output: done.output, context: begin.context };
  // A task with nothing to enqueue right behind its completion (a for-each item's last step) completes
  // together with the siblings that finish in the same tick. Successors with this step as their only
  // parent are added only once the completion was accepted, so that a stale attempt releases nothing.
  const result =
    at.step.kind === 'task' && inline.length === 0 && plain.length === 0
      ? await deps.store.completeNodeInBatch(plan.name, requestId, completed, spec)
      : await deps.store.completeNode(plan.name, requestId, completed, spec);
  return releaseSuccessors(run, spec, result, handed);
}
