import { randomUUID } from 'node:crypto';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { decode, encode } from './codec.js';
import type { FlowPlan } from './plan/flow-plan.js';
import type { ServiceResources } from './service-resources.js';
import type { ExecuteOptions, RequestState } from './types.js';

const REQUEST_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const ENDED = new Set(['completed', 'failed', 'stopped']);

/** Creates a request (once per id) and enqueues its roots; see `FlowService.execute`. */
export async function executeRequest(
  res: ServiceResources,
  plan: FlowPlan,
  input: unknown,
  options: ExecuteOptions,
): Promise<string> {
  const requestId = options.requestId ?? randomUUID();
  if (!REQUEST_ID.test(requestId)) {
    throw new DagflowError(
      ErrorCode.INVALID_REQUEST_ID,
      `Invalid request id ${JSON.stringify(requestId)}: use 1-128 characters of letters, digits, '_', '.' and '-'.`,
    );
  }
  const { priority, query, headers } = options;
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
  const now = Date.now();
  const created = await res.store.createRequest(plan.name, requestId, encode(input), context);
  if (created) await res.index.add(plan.name, requestId, now);
  const status = created ? 'pending' : await res.store.readStatus(plan.name, requestId);
  // A request created by an earlier call that died before enqueueing is still pending: enqueue again.
  if (status === 'pending') {
    await res.queues.enqueue(
      plan,
      requestId,
      plan.roots,
      priority === undefined ? {} : { priority },
    );
  }
  return requestId;
}

/** The request's state, queued nodes without a live worker marked `waiting for worker`. */
export async function requestState(
  res: ServiceResources,
  plan: FlowPlan,
  requestId: string,
): Promise<RequestState> {
  const state = await res.store.readState(plan, requestId);
  if (state === undefined) throw notFound(plan.name, requestId);
  const queued = Object.entries(state.nodes).filter(([, node]) => node.status === 'queued');
  if (queued.length === 0) return state;
  const live = await res.registry.liveWorkers(plan.name);
  const nodes = { ...state.nodes };
  for (const [path, node] of queued) {
    if ((live[plan.queueOf(path)] ?? 0) === 0)
      nodes[path] = { ...node, waiting: 'waiting for worker' };
  }
  return { ...state, nodes };
}

/** The result of a completed request, or the error that says why there is none. */
export async function requestResult(
  res: ServiceResources,
  plan: FlowPlan,
  requestId: string,
): Promise<unknown> {
  const status = await res.store.readStatus(plan.name, requestId);
  if (status === undefined) throw notFound(plan.name, requestId);
  if (status === 'completed')
    return plan.resultFrom(await res.store.readTerminalOutputs(plan, requestId));
  if (status === 'failed' || status === 'stopped') throw await failureOf(res, plan, requestId);
  throw new DagflowError(
    ErrorCode.REQUEST_NOT_FINISHED,
    `Request '${requestId}' of flow '${plan.name}' is ${status}; wait for it with waitForResult() or ?wait=.`,
    { details: { status } },
  );
}

/** Waits for the request to end, then answers its result (or throws its failure). */
export async function waitForRequest(
  res: ServiceResources,
  plan: FlowPlan,
  requestId: string,
  timeoutMs: number,
): Promise<unknown> {
  const status = await res.waiter.waitForEnd(
    `${plan.name}/${requestId}`,
    async () => {
      const current = await res.store.readStatus(plan.name, requestId);
      if (current === undefined) throw notFound(plan.name, requestId);
      return current;
    },
    (current) => current !== undefined && ENDED.has(current),
    timeoutMs,
  );
  if (status === undefined) {
    throw new DagflowError(
      ErrorCode.WAIT_TIMEOUT,
      `Request '${requestId}' of flow '${plan.name}' did not finish within ${timeoutMs} ms; it goes on running.`,
    );
  }
  if (status === 'completed')
    return plan.resultFrom(await res.store.readTerminalOutputs(plan, requestId));
  throw await failureOf(res, plan, requestId);
}

/** One node's stored output, or undefined. */
export async function nodeOutputOf(
  res: ServiceResources,
  plan: FlowPlan,
  requestId: string,
  path: string,
): Promise<unknown> {
  if ((await res.store.readStatus(plan.name, requestId)) === undefined)
    throw notFound(plan.name, requestId);
  const encoded = await res.store.readOutput(plan.name, requestId, path);
  return encoded === null ? undefined : decode(encoded);
}

async function failureOf(
  res: ServiceResources,
  plan: FlowPlan,
  requestId: string,
): Promise<DagflowError> {
  const state = await requestState(res, plan, requestId);
  if (state.status === 'stopped') {
    return new DagflowError(
      ErrorCode.REQUEST_STOPPED,
      `Request '${requestId}' of flow '${plan.name}' was stopped.`,
      {
        details: { status: state.status },
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
    `Request '${requestId}' of flow '${plan.name}' failed: ${cause}`,
    {
      details: { status: state.status, ...(error === undefined ? {} : { error }) },
    },
  );
}

function notFound(flow: string, requestId: string): DagflowError {
  return new DagflowError(
    ErrorCode.REQUEST_NOT_FOUND,
    `Request '${requestId}' of flow '${flow}' does not exist or has expired.`,
    { details: { flow, requestId } },
  );
}
