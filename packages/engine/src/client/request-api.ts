import { DagflowError, ErrorCode } from '@dagflow/flow';
import { decode, isPlainJson } from '../format/codec.js';
import type { PlanSource } from '../registry/plan-source.js';
import { batchPending } from './start/batch-execute.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { ServiceResources } from '../resources/service-resources.js';
import type { RequestState } from '../types/types.js';

const ENDED = new Set(['completed', 'failed', 'stopped']);

/** The request's state, on its definition version, queued nodes without a live worker marked `waiting for worker`. */
export async function requestState(
  res: ServiceResources,
  plans: PlanSource,
  flow: string,
  requestId: string,
): Promise<RequestState> {
  const plan = await planOfRequest(res, plans, flow, requestId);
  const state = await res.store.readState(plan, requestId);
  if (state === undefined) throw notFound(flow, requestId);
  const queued = Object.entries(state.nodes).filter(([, node]) => node.status === 'queued');
  if (queued.length === 0) return state;
  const live = await res.registry.liveWorkers(flow);
  const nodes = { ...state.nodes };
  for (const [path, node] of queued) {
    if ((live[plan.queueOf(path)] ?? 0) === 0)
      nodes[path] = { ...node, waiting: 'waiting for worker' };
  }
  return { ...state, nodes };
}

/** The plan of the definition version the request started with. */
export async function planOfRequest(
  res: ServiceResources,
  plans: PlanSource,
  flow: string,
  requestId: string,
): Promise<FlowPlan> {
  const found = await res.store.readStatusAndVersion(flow, requestId);
  if (found === undefined) {
    await plans.get(flow); // an unknown flow says so first
    throw notFound(flow, requestId);
  }
  return plans.forVersion(flow, found.version);
}

/** The result of a completed request, or the error that says why there is none. */
export async function requestResult(
  res: ServiceResources,
  plans: PlanSource,
  flow: string,
  requestId: string,
): Promise<unknown> {
  const plan = await planOfRequest(res, plans, flow, requestId);
  const status = await res.store.readStatus(flow, requestId);
  if (status === 'completed')
    return plan.resultFrom(await res.store.readTerminalOutputs(plan, requestId));
  if (status === 'failed' || status === 'stopped')
    throw await failureOf(res, plans, flow, requestId);
  throw new DagflowError(
    ErrorCode.REQUEST_NOT_FINISHED,
    `Request '${requestId}' of flow '${flow}' is ${String(status)}; wait for it with waitForResult() or ?wait=.`,
    { details: { status } },
  );
}

/** Waits for the request to end, then answers its result (or throws its failure). */
export async function waitForRequest(
  res: ServiceResources,
  plans: PlanSource,
  target: { readonly flow: string; readonly requestId: string },
  timeoutMs: number,
): Promise<unknown> {
  const { plan, outputs } = await waitForOutputs(res, plans, target, timeoutMs);
  return plan.resultFrom(outputs);
}

/**
 * A request's result as an HTTP answer sends it: the JSON text of the value (as `JSON.stringify` writes
 * it: a Buffer inside a JSON value as `{ type: 'Buffer', data }`), or the bytes of a binary result.
 */
export type ResultText = { readonly json: string } | { readonly bytes: Buffer };

/**
 * {@link waitForRequest} answering the result as text: the stored output of a one-terminal flow is
 * already the result's JSON text unless it holds binary data, so it is answered without decoding it.
 */
export async function waitForRequestText(
  res: ServiceResources,
  plans: PlanSource,
  target: { readonly flow: string; readonly requestId: string },
  timeoutMs: number,
): Promise<ResultText> {
  const { plan, outputs } = await waitForOutputs(res, plans, target, timeoutMs);
  const [only] = outputs;
  if (plan.graph.terminals.length === 1 && isPlainJson(only ?? 'null'))
    return { json: only ?? 'null' };
  const value = plan.resultFrom(outputs);
  return Buffer.isBuffer(value) ? { bytes: value } : { json: JSON.stringify(value ?? null) };
}

/** Waits for the request to end; answers the plan it ran on and its terminals' encoded outputs. */
async function waitForOutputs(
  res: ServiceResources,
  plans: PlanSource,
  target: { readonly flow: string; readonly requestId: string },
  timeoutMs: number,
): Promise<{ plan: FlowPlan; outputs: readonly (string | null)[] }> {
  const { flow, requestId } = target;
  // Most requests run on the current version: its terminal outputs are read with the status.
  const current = await plans.get(flow);
  const outcome = await res.waiter.waitForEnd(flow, requestId, {
    read: async () => {
      const found = await res.outcomes.read(current, requestId);
      if (found !== undefined) return found;
      // A batch's request is created when the batch closes: until then it is pending. Its pending
      // mark goes only after the request exists, so a batch that closed between the two reads is
      // found by reading the request again.
      if (await batchPending(res, flow, requestId))
        return { status: 'pending' as const, version: undefined };
      const created = await res.outcomes.read(current, requestId);
      if (created === undefined) throw notFound(flow, requestId);
      return created;
    },
    ended: (found) => ENDED.has(found.status),
    // A completion announces the output of a flow's one terminal with it: no read.
    fromAnnouncement: (end) =>
      end.output === undefined || current.graph.terminals.length !== 1
        ? undefined
        : { status: 'completed' as const, version: end.version, outputs: [end.output] },
    timeoutMs,
  });
  if (outcome === undefined) {
    throw new DagflowError(
      ErrorCode.WAIT_TIMEOUT,
      `Request '${requestId}' of flow '${flow}' did not finish within ${timeoutMs} ms; it goes on running.`,
    );
  }
  if (outcome.status !== 'completed') throw await failureOf(res, plans, flow, requestId);
  if (outcome.version === current.version && outcome.outputs !== undefined)
    return { plan: current, outputs: outcome.outputs };
  const plan = await planOfRequest(res, plans, flow, requestId);
  return { plan, outputs: await res.store.readTerminalOutputs(plan, requestId) };
}

/** One node's stored output, or undefined. */
export async function nodeOutputOf(
  res: ServiceResources,
  flow: string,
  requestId: string,
  path: string,
): Promise<unknown> {
  if ((await res.store.readStatus(flow, requestId)) === undefined) throw notFound(flow, requestId);
  const encoded = await res.store.readOutput(flow, requestId, path);
  return encoded === null ? undefined : decode(encoded);
}

async function failureOf(
  res: ServiceResources,
  plans: PlanSource,
  flow: string,
  requestId: string,
): Promise<DagflowError> {
  const state = await requestState(res, plans, flow, requestId);
  if (state.status === 'stopped') {
    // A stop by the engine (a deadline, a newer singleton request) says why.
    const why = state.error === undefined ? '' : ` ${state.error.message}`;
    return new DagflowError(
      ErrorCode.REQUEST_STOPPED,
      `Request '${requestId}' of flow '${flow}' was stopped.${why}`,
      {
        details: {
          status: state.status,
          ...(state.error === undefined ? {} : { error: state.error }),
        },
      },
    );
  }
  const { error } = state;
  const cause =
    error === undefined
      ? `it is ${state.status}`
      : `node '${error.node}' failed after ${error.attempts} attempt(s): ${error.message}`;
  return new DagflowError(
    ErrorCode.REQUEST_FAILED,
    `Request '${requestId}' of flow '${flow}' failed: ${cause}`,
    {
      details: { status: state.status, ...(error === undefined ? {} : { error }) },
    },
  );
}

/** The error of a request that does not exist (or has expired). */
export function notFound(flow: string, requestId: string): DagflowError {
  return new DagflowError(
    ErrorCode.REQUEST_NOT_FOUND,
    `Request '${requestId}' of flow '${flow}' does not exist or has expired.`,
    { details: { flow, requestId } },
  );
}
