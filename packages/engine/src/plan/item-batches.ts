import type { FlowPlan } from './flow-plan.js';
import { lookupKey } from './paths.js';
import type { StartStep, TaskStep } from './steps.js';

/** A job runs at most this many for-each items, one after the other... */
export const MAX_ITEMS_PER_JOB = 16;

/**
 * ...and a for-each is split into at least this many jobs before any job carries two items: its items
 * then still spread over every worker slot of a large deployment, and only large for-eachs, whose
 * per-job cost counts, are batched.
 */
const MIN_JOBS = 500;

/**
 * The task step each item of a for-each runs, when its items may share jobs (see
 * `worker/step/successors/item-batch.ts`): the body is one task without retries, timeout, delay or
 * wait, in a flow without a rate limit (it counts jobs) nor `fairness` (the fair scheduler dispatches
 * items one by one), and the vertex sets no `maxConcurrency` (its gate starts items one by one). Else
 * undefined.
 */
export function batchedItemStep(plan: FlowPlan, step: StartStep): TaskStep | undefined {
  const { vertex } = step;
  if (vertex.kind !== 'foreach' || vertex.options.maxConcurrency !== undefined) return undefined;
  // A flow-wide rate limit counts jobs: one job per item (a keyed one counts requests).
  if (plan.hooks.rateLimit !== undefined && plan.hooks.rateLimit.key === undefined)
    return undefined;
  // A fair flow's items are jobs of the fair scheduler, each dispatched in its key's turn.
  if (plan.hooks.fairness !== undefined) return undefined;
  const body = step.inner.get('');
  const [root] = body?.roots ?? [];
  if (root === undefined || body?.roots.length !== 1 || body.terminals.length !== 1)
    return undefined;
  const task = plan.stepAt(lookupKey(root));
  if (task?.kind !== 'task' || task.vertex.wait !== undefined) return undefined;
  const { options, jobOptions } = task;
  if ((jobOptions.attempts ?? 1) !== 1 || jobOptions.delay !== undefined) return undefined;
  if (options.timeoutMs !== undefined) return undefined;
  // The item's one step: it releases only the for-each's end.
  const [release] = task.releases;
  return task.releases.length === 1 && release?.step === step.end ? task : undefined;
}

/**
 * Splits a for-each's item roots (in the order the start step released them) into the item lists of
 * its jobs: the same lists for the same items, so that a repeated release adds the same job ids.
 */
export function itemBatches(entries: readonly string[]): string[][] {
  const size = Math.max(1, Math.min(MAX_ITEMS_PER_JOB, Math.floor(entries.length / MIN_JOBS)));
  const batches: string[][] = [];
  for (let i = 0; i < entries.length; i += size) batches.push(entries.slice(i, i + size));
  return batches;
}
