import { HAND_OVER_LIMIT } from '../../../plan/inputs.js';
import { requestEnded } from '../../../queue/request-ended.js';
import { ownerToken } from '../../../format/job-layout.js';
import type { CompleteResult, CompletionSpec } from '../../../store/state-results.js';
import { inlineSuccessor, runInline } from './inline-successor.js';
import { enqueueItemBatches } from './item-batch.js';
import { batchedItemStep } from '../../../plan/item-batches.js';
import { type Handed, type Run, dropStale, enqueue } from '../step-run.js';

/**
 * The one rule for what follows a step's completion, on every path (a first completion, one sent in a
 * batch, a repeat by a job delivered again): the script (`lua/completeStep.lua`) decided which
 * successors are released; this enqueues them, except the one this job runs next itself (see
 * `inline-successor.ts`), which it then runs (through `run.runner`). `handed` is the output and
 * context of a first completion, for the successors that begin with it.
 *
 * - A stale attempt's completion released nothing: dropped and counted.
 * - The request is not running: successors enqueued by the caller (`'e'` in the spec) are added
 *   anyway, without their input; their own jobs hold themselves (see `lua/beginNode.lua`). The others
 *   were held by the script.
 * - A first completion: the `'e'` successors are added right behind it, those whose only input is this
 *   output with that output in their job data (when small, see `HAND_OVER_LIMIT`); the released joins
 *   after them; a completion that ended the request runs `requestEnded` first.
 * - A repeat: every released successor that has not started is added again (job ids make that
 *   harmless), under the generation it was first released with.
 */
export async function releaseSuccessors(
  run: Run,
  spec: CompletionSpec,
  result: CompleteResult,
  handed?: Handed,
): Promise<void> {
  const now = spec.enqueueNow ?? { inline: [], plain: [] };
  switch (result.kind) {
    case 'stale':
      return dropStale(run, run.inline?.owner ?? ownerToken(run.job), result.owner);
    case 'missing':
      return;
    case 'not-running':
      return enqueue(run, [...now.plain, ...now.inline]);
    case 'released':
      break;
  }
  if (result.completedRequest) {
    const ending = {
      requestId: run.requestId,
      ending: 'completed',
      ...(result.ended === undefined ? {} : { known: result.ended }),
    } as const;
    await requestEnded(run.deps, run.plan, ending);
  }
  const repeat = result.generation !== undefined;
  const own = run.job.data.g ?? 0;
  const generation = result.generation ?? own;
  const { inline, plain } = repeat ? { inline: [], plain: [] } : now;
  const released = repeat
    ? (result.released ?? result.ready)
    : [...inline, ...plain, ...result.ready];
  const next = generation === own ? inlineSuccessor(run, spec, new Set(released)) : undefined;
  const others = (paths: readonly string[]): readonly string[] =>
    next === undefined ? paths : paths.filter((path) => path !== next);
  const handOver = handed !== undefined && handed.output.length <= HAND_OVER_LIMIT;
  // A start step hands each for-each item's input to the item's roots.
  const itemInputs =
    !repeat && handed !== undefined && spec.handOver !== undefined
      ? { input: spec.handOver, context: handed.context }
      : undefined;
  // The items of a for-each whose body is one task go several to a job, in the same batches each time.
  const { step: at } = run.at;
  const batched = at.kind === 'start' && batchedItemStep(run.plan, at) !== undefined;
  const enqueued = Promise.all([
    batched
      ? enqueueItemBatches(run, { paths: plain, entries: plain, inputs: itemInputs })
      : enqueue(run, others(handOver ? plain : [...plain, ...inline]), itemInputs),
    handOver
      ? enqueue(run, others(inline), { input: handed.output, context: handed.context })
      : undefined,
    batched
      ? enqueueItemBatches(run, { paths: result.ready, entries: released, generation })
      : enqueue(run, others(result.ready), itemInputs, generation),
  ]);
  if (next === undefined) {
    await enqueued;
    return;
  }
  // The step this job runs next does not wait for its siblings' adds. The job ends only once both
  // are done, even when one fails (it must not be retried while its next step still runs here); a
  // redelivery repeats the completion, which adds again what never started.
  // A successor whose only input is this output begins with it, as a job handed it would; a join
  // this completion began (see `inlineJoin`) begins no more.
  const [added, ran] = await Promise.allSettled([
    enqueued,
    runInline(run, next, {
      handed: inline.includes(next) ? handed : undefined,
      begun: result.begun,
      released: true,
    }),
  ]);
  if (added.status === 'rejected') throw added.reason;
  if (ran.status === 'rejected') throw ran.reason;
}
