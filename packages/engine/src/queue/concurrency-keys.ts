import { DelayedError, type Job } from 'bullmq';
import { decode } from '../format/codec.js';
import type { NodeQueues } from './node-queues.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { KeySlots } from '../store/key-slots.js';
import { DataField } from '../format/layout.js';
import { type NodeJobData, jobId, parseJobId } from '../format/job-layout.js';
import type { StateReads } from '../store/reads/state-reads.js';
import type { ConcurrencyKey } from '../types/flow-options.js';

/**
 * How often a root waiting for a slot checks again by itself. Normally the request that frees a slot
 * lets it run at once; this bounds the wait when that request's process died in between.
 */
const RECHECK_MS = 2_000;

const ENDED = new Set(['completed', 'failed', 'stopped']);

/** The flow's concurrency key, when it has one. */
export function keyedConcurrency(plan: FlowPlan): ConcurrencyKey | undefined {
  const { concurrency } = plan.hooks;
  return typeof concurrency === 'object' ? concurrency : undefined;
}

/** A flow's concurrency option as data: the limit, and the key's path (or `'function'`). */
export type ConcurrencyDescription =
  number | { readonly limit: number; readonly keyPath?: string; readonly key?: 'function' };

/** The flow's concurrency option as data (published, and shown by `GET /flows/:name`). */
export function describeConcurrency(plan: FlowPlan): ConcurrencyDescription | undefined {
  const { concurrency } = plan.hooks;
  if (typeof concurrency !== 'object') return concurrency;
  return 'key' in concurrency
    ? { key: 'function', limit: concurrency.limit }
    : { keyPath: concurrency.keyPath, limit: concurrency.limit };
}

/** The key of a request's input: the option's function, or the value at its `keyPath`. */
export function keyOf(concurrency: ConcurrencyKey, input: unknown): string {
  if ('key' in concurrency) return String(concurrency.key(input));
  let value: unknown = input;
  for (const part of concurrency.keyPath.split('.'))
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[part]
        : undefined;
  return String(value);
}

/** What admission and release need. */
export interface SlotParts {
  readonly slots: KeySlots;
  readonly store: StateReads;
  readonly queues: NodeQueues;
}

/**
 * Before a root step of a request of a keyed flow runs: takes a slot of the request's key, or sends
 * the job back to BullMQ's delayed set (`DelayedError`) with the request `pending` and `waitingForKey`
 * set until a slot frees. A request that ended meanwhile gives its slot straight back.
 */
export async function admitRoot(
  parts: SlotParts,
  plan: FlowPlan,
  delivery: { readonly job: Job<NodeJobData>; readonly token: string | undefined },
): Promise<void> {
  const concurrency = keyedConcurrency(plan);
  if (concurrency === undefined) return;
  const ids = parseJobId(delivery.job.id ?? '');
  if (ids === undefined || !plan.roots.includes(ids.path)) return;
  const { requestId } = ids;
  const flow = plan.name;
  if (ENDED.has((await parts.store.readStatus(flow, requestId)) ?? 'stopped')) return;
  const stored =
    delivery.job.data.i ??
    (await parts.store.readData(flow, requestId, [DataField.input]))[0] ??
    null;
  const key = keyOf(concurrency, stored === null ? null : decode(stored));
  const admitted = await parts.slots.admit({ flow, requestId }, { key, limit: concurrency.limit });
  // A stop that came between the status read and the slot: its release may have missed the slot.
  if (ENDED.has((await parts.store.readStatus(flow, requestId)) ?? 'stopped')) {
    await releaseSlot(parts, plan, requestId);
    return;
  }
  if (admitted) return;
  await delivery.job.moveToDelayed(Date.now() + RECHECK_MS, delivery.token);
  throw new DelayedError();
}

/** At a request's end: gives back its slot and lets the requests admitted into it run at once. */
export async function releaseSlot(
  parts: SlotParts,
  plan: FlowPlan,
  requestId: string,
  /** The request's key, when already read (null: it has none); read from its state when undefined. */
  key?: string | null,
): Promise<void> {
  const admitted = await parts.slots.release(plan.name, requestId, key);
  await Promise.all(
    admitted.map(async (id) => {
      const generation = await parts.slots.generation(plan.name, id);
      const partition = await parts.queues.partitionOf(plan.name, id);
      for (const root of plan.roots) {
        const job = await parts.queues
          .queue(plan.name, plan.queueOf(root), partition)
          .getJob(jobId(id, root, generation));
        // Not delayed (yet): it finds its slot taken for it when it checks again.
        await job?.promote().catch(() => undefined);
      }
    }),
  );
}
