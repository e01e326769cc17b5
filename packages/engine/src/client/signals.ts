import {
  DagflowError,
  ErrorCode,
  type StandardSchemaV1,
  checkSchema,
  describeIssues,
} from '@dagflow/flow';
import { encode } from '../format/codec.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { waitTimeoutOf } from '../plan/steps.js';
import type { SignalResult } from '../store/wait-store.js';
import { removeSignalTimeout } from '../queue/signal-timeouts.js';
import type { PlanSource } from '../registry/plan-source.js';
import type { ServiceResources } from '../resources/service-resources.js';
import { planOfRequest } from './request-api.js';

/**
 * Delivers a signal's payload to the signal node at `signal` (its node path) of a request; see
 * `FlowClient.signal` and `lua/deliverSignal.lua`.
 */
export async function deliverSignal(
  res: ServiceResources,
  plans: PlanSource,
  target: { readonly flow: string; readonly requestId: string; readonly signal: string },
  payload: unknown,
): Promise<void> {
  const { flow, requestId, signal } = target;
  const plan = await planOfRequest(res, plans, flow, requestId);
  const step = plan.resolve(signal)?.step;
  if (step?.kind !== 'task' || step.vertex.wait?.kind !== 'signal') {
    throw new DagflowError(
      ErrorCode.SIGNAL_NOT_FOUND,
      `Flow '${flow}' has no signal node '${signal}'; signal nodes are made with dag.signal().`,
      { details: { flow, signal } },
    );
  }
  await checkPayload(step.options.output, target, payload);
  const result = await res.waits.deliverSignal(flow, requestId, {
    path: signal,
    payload: encode(payload),
  });
  if (result.kind === 'missing') {
    throw new DagflowError(
      ErrorCode.REQUEST_NOT_FOUND,
      `Request '${requestId}' of flow '${flow}' does not exist or has expired.`,
      { details: { flow, requestId } },
    );
  }
  if (result.kind === 'duplicate') {
    throw new DagflowError(
      ErrorCode.SIGNAL_ALREADY_DELIVERED,
      `Signal node '${signal}' of request '${requestId}' already has its signal; each takes one.`,
      { details: { flow, requestId, signal } },
    );
  }
  if (result.kind === 'stored') await wakeDelivered(res, plan, { requestId, path: signal }, result);
}

/**
 * After a signal's (or an event's) payload was stored for a step: a step that waits (parked) gets its
 * wake job, which completes it with the payload, and its timeout job goes.
 */
export async function wakeDelivered(
  res: ServiceResources,
  plan: FlowPlan,
  at: { readonly requestId: string; readonly path: string },
  result: Extract<SignalResult, { kind: 'stored' }>,
): Promise<void> {
  if (!result.wake) return;
  const { requestId, path } = at;
  const { generation, parked } = result;
  await res.queues.enqueue(plan, requestId, [path], { generation, wake: 'w' });
  const step = plan.resolve(path)?.step;
  if (step !== undefined && waitTimeoutOf(step) !== undefined)
    await removeSignalTimeout(res.queues, plan, { requestId, path, generation: parked });
}

/**
 * Refuses a payload that fails the signal's `payload` schema, known where the flow was registered in
 * code (the worker checks it again, and applies the schema's transforms, when the node completes).
 * @throws DagflowError `INVALID_INPUT` with `details.issues`
 */
async function checkPayload(
  schema: StandardSchemaV1 | undefined,
  target: { readonly flow: string; readonly requestId: string; readonly signal: string },
  payload: unknown,
): Promise<void> {
  if (schema === undefined) return;
  const checked = await checkSchema(schema, payload);
  if (checked.ok) return;
  const { flow, signal } = target;
  throw new DagflowError(
    ErrorCode.INVALID_INPUT,
    `The payload for signal '${signal}' of flow '${flow}' does not match its schema: ${describeIssues(checked.issues)}.`,
    { details: { flow, signal, issues: checked.issues } },
  );
}
