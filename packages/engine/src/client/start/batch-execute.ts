import { DagflowError, ErrorCode } from '@dagflow/flow';
import { decode, encode } from '../../format/codec.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { ServiceResources } from '../../resources/service-resources.js';
import { BatchStore } from '../../store/batch-store.js';
import { armBatchClose, disarmBatchClose } from '../../queue/batch-jobs.js';
import type { BatchOption } from '../../types/flow-options.js';
import type { ExecuteOptions } from '../../types/types.js';
import { checkedInput } from './input-check.js';
import { newRequestId } from './request-ids.js';
import { clockNow } from '../../infra/clock.js';

/** Most bytes of a batch's inputs as one encoded array: one more input closes the batch before it. */
export const MAX_BATCH_BYTES = 1024 * 1024;

/** How long a batch's keys outlive its close time: the close job may wait this long for a worker. */
const KEYS_SLACK_MS = 24 * 60 * 60 * 1000;

/** Execute options that make no sense for one input of a batch: refused with `INVALID_INPUT`. */
const REFUSED = ['requestId', 'debounce', 'deadlineMs', 'priority'] as const;

/** Starts a request of the flow (`executeRequest`): how a closed batch's request is created. */
export type StartRequest = (input: unknown, options: ExecuteOptions) => Promise<string>;

/** The flow's batch option when an execute must follow it (not a child, a tick or a batch's own request). */
export function batchOf(plan: FlowPlan, options: ExecuteOptions): BatchOption | undefined {
  return options.parent === undefined && options.scheduled !== true && options.batchRequest !== true
    ? plan.hooks.batch
    : undefined;
}

/**
 * A batched execute: adds the input to its key's open batch (`lua/batchAdd.lua`), makes sure the
 * batch's close job exists (so every execute that answered is covered by it), and creates the
 * batch's request when this input closed it. Answers the batch request's id; `onBatched` gets it with
 * the input's position.
 * @throws DagflowError `INVALID_INPUT` for a refused option or an input that fails the flow's schema,
 *   `PAYLOAD_TOO_LARGE` for an input over the batch's byte limit by itself
 */
export async function executeInBatch(
  res: ServiceResources,
  plan: FlowPlan,
  call: { readonly input: unknown; readonly options: ExecuteOptions; readonly batch: BatchOption },
  start: StartRequest,
): Promise<string> {
  const { options, batch } = call;
  assertBatchCall(plan.name, options);
  const input = await checkedInput(plan, call.input);
  const encoded = encode(input);
  if (encoded.length + 2 > MAX_BATCH_BYTES) throw tooLarge(plan.name, encoded.length);
  const key = batch.key === undefined ? '' : String(batch.key(input));
  const store = new BatchStore(res.redis, res.keys);
  const target = { flow: plan.name, key };
  const now = clockNow();
  const ttlMs = batchTtl(batch.maxWaitMs);
  const added = await store.add(target, {
    fresh: newRequestId(),
    input: encoded,
    maxSize: batch.maxSize,
    maxBytes: MAX_BATCH_BYTES,
    due: now + batch.maxWaitMs,
    ttlMs,
  });
  const { batchId } = added;
  const partition = await res.partitions.place(plan, batchId);
  await armBatchClose(res.queues, plan, { batchId, key, partition, due: added.due, now });
  // A batch closed here (full, or early by size) becomes its request now, and needs no close job.
  const closed = [added.closedEarly, added.filled ? batchId : undefined];
  for (const id of closed.filter((one) => one !== undefined)) {
    await startBatch(res, plan, { ...target, id }, { start, ttlMs });
    const at = id === batchId ? partition : await res.partitions.place(plan, id);
    await disarmBatchClose(res.queues, plan, { batchId: id, partition: at });
  }
  options.onBatched?.({ requestId: batchId, position: added.position });
  return batchId;
}

/** How long a batch's keys live: its close time plus a slack for the close job to find a worker. */
export function batchTtl(maxWaitMs: number): number {
  return maxWaitMs + KEYS_SLACK_MS;
}

/**
 * Closes a batch and creates its request, with the array of its inputs as input and the batch's id
 * as id (idempotent: the close job and the execute that filled it may both do it), then deletes the
 * batch. A batch already turned into a request (or expired) is left alone.
 */
export async function startBatch(
  res: Pick<ServiceResources, 'redis' | 'keys'>,
  plan: FlowPlan,
  batch: { readonly flow: string; readonly key: string; readonly id: string },
  closing: { readonly start: StartRequest; readonly ttlMs: number },
): Promise<void> {
  const store = new BatchStore(res.redis, res.keys);
  const inputs = await store.close(batch, { id: batch.id, ttlMs: closing.ttlMs });
  if (inputs === undefined) return;
  await closing.start(decode(inputs), { requestId: batch.id, batchRequest: true });
  await store.forget(batch, batch.id);
}

/** Whether a request id names a batch whose request is still to be created (a wait waits for it). */
export function batchPending(
  res: Pick<ServiceResources, 'redis' | 'keys'>,
  flow: string,
  requestId: string,
): Promise<boolean> {
  return new BatchStore(res.redis, res.keys).pending(flow, requestId);
}

function assertBatchCall(flow: string, options: ExecuteOptions): void {
  const refused = REFUSED.filter((name) => options[name] !== undefined);
  if (refused.length === 0) return;
  throw new DagflowError(
    ErrorCode.INVALID_INPUT,
    `Flow '${flow}' collects executes into batches: an execute cannot have ${refused.join(', ')} (the batch's request has its own id and options).`,
    {
      details: {
        issues: refused.map((name) => ({
          path: [name],
          message: 'not allowed for a batched flow',
        })),
      },
    },
  );
}

function tooLarge(flow: string, bytes: number): DagflowError {
  return new DagflowError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `An input of ${bytes} bytes is over the ${MAX_BATCH_BYTES}-byte limit of a batch of flow '${flow}'.`,
    { details: { flow, bytes, limit: MAX_BATCH_BYTES } },
  );
}
