import { DagflowError, ErrorCode } from '@dagflow/flow';
import { encode } from '../../format/codec.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { ServiceResources } from '../../resources/service-resources.js';
import { newRequestId } from './request-ids.js';
import { clockNow } from '../../infra/clock.js';
import { type Deadline, armDeadline } from '../../queue/deadline-jobs.js';

/** Rounds of "join, else start a new request" before giving up: each lost round means another caller won. */
const ROUNDS = 10;

/** How long a key keeps pointing at its request after the last call (the window plus this). */
const POINTER_SLACK_MS = 60_000;

/**
 * A debounced execute: joins the open window of the key's request (its input becomes this call's,
 * its window ends `ms` from now) or starts a new request whose roots wait for the window to pass.
 * Every call of one window answers the id of the one request that runs, with the last input.
 */
export async function executeDebounced(
  res: ServiceResources,
  plan: FlowPlan,
  call: {
    readonly input: unknown;
    /** The encoded context (query, headers), or ''. */
    readonly context: string;
    readonly debounce: { readonly key: string; readonly ms: number };
    readonly requestId?: string | undefined;
    readonly priority?: number | undefined;
    /** Its deadlines (from the execute's time), if any. */
    readonly deadline?: Deadline | undefined;
  },
): Promise<string> {
  const { key, ms } = call.debounce;
  assertDebounce(key, ms);
  const flow = plan.name;
  const encoded = encode(call.input);
  const ttlMs = ms + POINTER_SLACK_MS;
  for (let round = 0; round < ROUNDS; round++) {
    const seen = await res.debounce.current(flow, key);
    if (seen !== undefined) {
      const joined = await res.debounce.join(
        { flow, requestId: seen },
        { ms, input: encoded, ttlMs, key },
      );
      if (joined) return seen;
    }
    const requestId = round === 0 && call.requestId !== undefined ? call.requestId : newRequestId();
    const now = clockNow();
    const { created } = await res.store.createRequest(flow, requestId, {
      input: encoded,
      context: call.context,
      version: plan.version,
      ...(call.deadline === undefined ? {} : { deadline: call.deadline }),
    });
    if (!created) return requestId; // a caller-supplied id that exists: execute is idempotent per id
    await res.debounce.open(flow, requestId, now + ms);
    if (!(await res.debounce.point(flow, key, { seen, next: requestId, ttlMs }))) {
      await res.debounce.discard(flow, requestId); // nobody saw it: another caller's request won
      continue;
    }
    await res.index.add(flow, requestId, now);
    if (call.deadline !== undefined)
      await armDeadline(res.queues, plan, { requestId, deadline: call.deadline, now });
    await res.queues.enqueue(plan, requestId, plan.roots, {
      ...(call.priority === undefined ? {} : { priority: call.priority }),
      delayMs: ms,
      debounced: true,
    });
    return requestId;
  }
  throw new DagflowError(
    ErrorCode.INTERNAL_ERROR,
    `Debounce key '${key}' of flow '${flow}' changed hands ${ROUNDS} times during one call; try again.`,
  );
}

function assertDebounce(key: unknown, ms: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      'debounce.key must be a string of 1-256 characters.',
    );
  }
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > 86_400_000) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      `debounce.ms must be an integer from 1 to 86400000 (got ${String(ms)}).`,
    );
  }
}
