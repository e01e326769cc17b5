import { DagflowError, ErrorCode } from '@dagflow/flow';
import { executeRequest } from '../client/start/request-start.js';
import { assertRequestId, newRequestId } from '../client/start/request-ids.js';
import { singletonName } from '../format/keys.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { ServiceResources } from '../resources/service-resources.js';
import type { StopReason } from '../store/state-results.js';
import type { ExecuteOptions } from '../types/types.js';
import type { SingletonOption } from '../types/flow-options.js';

/**
 * How long a taken key waits for its request's creation before others may take it: a caller that
 * died between taking the key and creating the request leaves it for this long at most.
 */
const LEASE_MS = 30_000;

/** How long a key outlives its request's finish deadline; a request without one keeps it 24 h. */
const SLACK_MS = 60_000;
const NO_DEADLINE_TTL_MS = 24 * 60 * 60 * 1000;

/** Rounds of "the holder ended: take the key over" before giving up (each lost round: another caller won). */
const ROUNDS = 10;

const ENDED = new Set(['completed', 'failed', 'stopped']);

/** What a singleton execute needs: the resources, and the stop of a request with a reason. */
export interface SingletonDeps {
  readonly res: ServiceResources;
  /** Stops a live request of the flow with `reason`; false when it was not live (nothing to stop). */
  readonly stop: (requestId: string, reason: StopReason) => Promise<boolean>;
}

/** The flow's singleton option when an execute must follow it (a child request never does). */
export function singletonOf(plan: FlowPlan, options: ExecuteOptions): SingletonOption | undefined {
  return options.parent === undefined && options.scheduled !== true
    ? plan.hooks.singleton
    : undefined;
}

/**
 * An execute of a singleton flow: the request first holds its key (`lua/singletonKey.lua`, in the
 * flow's slot), is created, then confirms the key. `skip`: a live holder answers instead (nothing
 * starts); `cancel-previous`: the holder is stopped (`SUPERSEDED`) once the new request exists. A
 * request that lost its key between taking and confirming it stops itself, so that of many concurrent
 * executes exactly one stays live.
 */
export async function executeSingleton(
  deps: SingletonDeps,
  plan: FlowPlan,
  call: { readonly input: unknown; readonly options: ExecuteOptions },
): Promise<string> {
  const singleton = plan.hooks.singleton;
  if (singleton === undefined) return executeRequest(deps.res, plan, call.input, call.options);
  const { res } = deps;
  const { options } = call;
  const requestId = options.requestId ?? newRequestId();
  assertRequestId(requestId, 'caller');
  const name = singletonName(String(singleton.key(call.input)));
  const target = { flow: plan.name, name, requestId };
  let previous: string | undefined;
  if (singleton.mode === 'skip') {
    const live = await liveHolder(deps, target);
    if (live !== undefined) {
      options.onSkipped?.(live);
      return live;
    }
  } else {
    const taken = await res.slots.singleton(target, 'take', { ttlMs: LEASE_MS });
    previous = taken.held ? undefined : taken.previous;
  }
  await executeRequest(res, plan, call.input, { ...options, requestId, singletonName: name });
  const finishMs = options.deadlineMs ?? plan.hooks.deadline?.finishMs;
  const ttlMs = finishMs === undefined ? NO_DEADLINE_TTL_MS : finishMs + SLACK_MS;
  const confirmed = await res.slots.singleton(target, 'confirm', { ttlMs });
  if (confirmed.held) await deps.stop(requestId, superseded(plan.name, confirmed.holder));
  if (previous !== undefined && previous !== requestId)
    await deps.stop(previous, superseded(plan.name, requestId));
  return requestId;
}

/**
 * Mode `skip`: takes the key for `target.requestId` and answers undefined, or answers the live request
 * that holds it. A holder not created yet counts as live (its caller is creating it, within the lease);
 * a holder that ended is taken over.
 */
async function liveHolder(
  deps: SingletonDeps,
  target: { readonly flow: string; readonly name: string; readonly requestId: string },
): Promise<string | undefined> {
  let seenEnded: string | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const claim = await deps.res.slots.singleton(target, 'claim', {
      ttlMs: LEASE_MS,
      ...(seenEnded === undefined ? {} : { seenEnded }),
    });
    if (!claim.held) return undefined;
    const status = await deps.res.store.readStatus(target.flow, claim.holder);
    if (status === undefined || !ENDED.has(status)) return claim.holder;
    seenEnded = claim.holder;
  }
  throw new DagflowError(
    ErrorCode.INTERNAL_ERROR,
    `A singleton key of flow '${target.flow}' changed hands ${ROUNDS} times during one call; try again.`,
  );
}

function superseded(flow: string, by: string): StopReason {
  return {
    code: 'SUPERSEDED',
    message: `Stopped: request '${by}' of flow '${flow}' with the same singleton key superseded it.`,
  };
}
