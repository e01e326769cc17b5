import { DelayedError, type Job } from 'bullmq';
import { decode } from '../format/codec.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { KeySlots } from '../store/key-slots.js';
import { DataField } from '../format/layout.js';
import { type NodeJobData, parseJobId } from '../format/job-layout.js';
import type { StateReads } from '../store/reads/state-reads.js';

/** What admission to a rate-limit key's window needs. */
export interface RateParts {
  readonly slots: KeySlots;
  readonly store: StateReads;
}

/**
 * Before a root step of a request of a flow with a keyed rate limit (`rateLimit: { key, max,
 * durationMs }`) runs: admits the request to its key's sliding window (`lua/rateWindow.lua`), or sends
 * the job back to BullMQ's delayed set until the window may let it in (`moveToDelayed` and
 * `DelayedError`, as BullMQ documents: no attempt is used, no worker slot held), its root step
 * `waiting` with `reason: 'RATE_LIMITED'` meanwhile. Other keys' windows are their own.
 */
export async function admitRate(
  parts: RateParts,
  plan: FlowPlan,
  delivery: { readonly job: Job<NodeJobData>; readonly token: string | undefined },
): Promise<void> {
  const rate = plan.hooks.rateLimit;
  if (rate?.key === undefined) return;
  const ids = parseJobId(delivery.job.id ?? '');
  if (ids === undefined || !plan.roots.includes(ids.path)) return;
  const { requestId, path } = ids;
  const flow = plan.name;
  const stored =
    delivery.job.data.i ??
    (await parts.store.readData(flow, requestId, [DataField.input]))[0] ??
    null;
  const key = String(rate.key(stored === null ? null : decode(stored)));
  const window = { key, max: rate.max, durationMs: rate.durationMs };
  const admitted = await parts.slots.rateWindow({ flow, requestId, root: path }, window);
  if (admitted.admitted) return;
  await delivery.job.moveToDelayed(admitted.until, delivery.token);
  throw new DelayedError();
}
