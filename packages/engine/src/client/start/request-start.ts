import { DagflowError, ErrorCode } from '@dagflow/flow';
import { encode } from '../../format/codec.js';
import { checkedInput } from './input-check.js';
import { executeDebounced } from './debounce.js';
import { batchOf, executeInBatch } from './batch-execute.js';
import { assertRequestId, newRequestId } from './request-ids.js';
import { serverOf, traceSend } from '../../infra/tracing.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import { HAND_OVER_LIMIT } from '../../plan/inputs.js';
import type { ServiceResources } from '../../resources/service-resources.js';
import type { ExecuteOptions } from '../../types/types.js';
import { inputFingerprint } from '../../format/request-ids.js';
import { jobId } from '../../format/job-layout.js';
import { formatPartition } from '../../format/partitions.js';
import { clockNow } from '../../infra/clock.js';
import { armDeadline, deadlineOf } from '../../queue/deadline-jobs.js';
import { fairTagFor, formatFairTag } from '../../queue/fair-options.js';

/** How long an execute that expects a wait listens for it to begin (the wait then listens itself). */
const LISTEN_FOR_WAIT_MS = 1_000;

/** Creates a request (once per id) and enqueues its roots; see `FlowService.execute`. */
export async function executeRequest(
  res: ServiceResources,
  plan: FlowPlan,
  input: unknown,
  options: ExecuteOptions,
): Promise<string> {
  const batch = batchOf(plan, options);
  if (batch !== undefined) {
    const start = (batchInput: unknown, batchOptions: ExecuteOptions) =>
      executeRequest(res, plan, batchInput, batchOptions);
    return executeInBatch(res, plan, { input, options, batch }, start);
  }
  const requestId = options.requestId ?? newRequestId();
  assertRequestId(
    requestId,
    options.parent !== undefined ? 'child' : options.scheduled === true ? 'tick' : 'caller',
  );
  const { priority, query, headers, debounce } = options;
  if (
    priority !== undefined &&
    !(Number.isInteger(priority) && priority >= 1 && priority <= 2_097_152)
  ) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      `Priority must be an integer from 1 (highest) to 2097152 (got ${String(priority)}).`,
    );
  }
  const context =
    query === undefined && headers === undefined ? '' : JSON.stringify({ query, headers });
  const now = clockNow();
  const deadline = deadlineOf(plan, options, now);
  if (debounce !== undefined)
    return executeDebounced(res, plan, {
      input,
      context,
      debounce,
      priority,
      requestId: options.requestId,
      deadline,
    });
  // A batch's request has checked inputs; a child or a tick of a batched flow is a batch of one.
  const checked = options.batchRequest === true ? input : await checkedInput(plan, input);
  const batchOfOne = plan.hooks.batch !== undefined && options.batchRequest !== true;
  const requestInput = batchOfOne ? [checked] : checked;
  const encoded = encode(requestInput);
  const { fairness } = plan.hooks;
  const fair = fairness === undefined ? undefined : fairTagFor(fairness, requestInput);
  const partition = await res.partitions.place(plan, requestId);
  // A wait that follows then needs no first read (see ResultWaiter.listen).
  const listening = options.willWait === true ? res.waiter.listen(plan.name, requestId) : undefined;
  if (listening !== undefined) setTimeout(() => listening.release(), LISTEN_FOR_WAIT_MS).unref();
  let created = false;
  let status: string | undefined;
  try {
    const creation = await res.store.createRequest(plan.name, requestId, {
      input: encoded,
      context,
      version: plan.version,
      fingerprint: inputFingerprint(encoded),
      ...(options.parent === undefined ? {} : { parent: options.parent }),
      ...(partition.count === 1 ? {} : { partition: formatPartition(partition) }),
      ...(deadline === undefined ? {} : { deadline }),
      ...(options.singletonName === undefined ? {} : { singleton: options.singletonName }),
      ...(fair === undefined ? {} : { fairKey: formatFairTag(fair) }),
    });
    if (creation.conflict !== undefined)
      throw conflictError(creation.conflict, { flow: plan.name, requestId, options });
    ({ created, status } = creation);
  } finally {
    listening?.created(created);
  }
  // Listed while its roots are added (in the same round trip when the connection pipelines them).
  const listed = created ? res.index.add(plan.name, requestId, now) : undefined;
  if (created && deadline !== undefined)
    await armDeadline(res.queues, plan, { requestId, partition, deadline, now });
  // A request created by an earlier call that died before enqueueing is still pending: enqueue again.
  if (status === 'pending') {
    // The roots of a request created now get its input in their job data and start without reading
    // it (an earlier call's input, the stored one, may differ from this call's: those read it). Pause
    // and stop take such roots off the queue until they run (see `request-control.ts`).
    const handOver = created && encoded.length <= HAND_OVER_LIMIT;
    const target = {
      flow: plan.name,
      queue: res.keys.queueName(plan.name, '', created ? partition : undefined),
      requestId,
      server: serverOf(res.redis),
      jobIds: plan.roots.map((path) => jobId(requestId, path)),
    };
    const enqueued = traceSend(target, undefined, (trace) =>
      res.queues.enqueue(plan, requestId, plan.roots, {
        // An earlier call placed the request: its partition is read from its state.
        ...(created ? { partition } : {}),
        ...(priority === undefined ? {} : { priority }),
        // An earlier call's request keeps the tag it was created with (read from its state).
        ...(created && fair !== undefined ? { fair } : {}),
        batched: true,
        ...(handOver
          ? { inline: { input: encoded, context: context === '' ? null : context } }
          : {}),
        trace,
      }),
    );
    await Promise.all([listed, enqueued]);
  }
  return requestId;
}

/** The error of an execute whose id names a request it does not match (see `lua/createRequests.lua`). */
function conflictError(
  conflict: 'reused' | 'foreign',
  call: { readonly flow: string; readonly requestId: string; readonly options: ExecuteOptions },
): DagflowError {
  const { flow, requestId, options } = call;
  if (conflict === 'reused') {
    return new DagflowError(
      ErrorCode.IDEMPOTENCY_KEY_REUSED,
      `Request '${requestId}' of flow '${flow}' exists with another input: a request id names one input; use a new id for this one.`,
      { details: { flow, requestId } },
    );
  }
  return new DagflowError(
    ErrorCode.CHILD_FLOW_FAILED,
    `Request '${requestId}' of flow '${flow}' exists and was not started by node '${options.parent?.node ?? ''}' of request '${options.parent?.requestId ?? ''}': it is not adopted as its child.`,
    { details: { child: { flow, requestId }, parent: options.parent, reason: 'foreign' } },
  );
}
