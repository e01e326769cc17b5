import { DagflowError, ErrorCode, isValidId } from '@dagflow/flow';
import { encode } from '../format/codec.js';
import { eventMatches } from '../plan/event-match.js';
import type { PlanSource } from '../registry/plan-source.js';
import type { ServiceResources } from '../resources/service-resources.js';
import type { EventWaiter } from '../store/event-index.js';
import { planOfRequest } from '../client/request-api.js';
import { wakeDelivered } from '../client/signals.js';

/** What an emit did: how many waiting steps took the event. */
export interface EmitResult {
  /** The steps (of any requests) the event completes. */
  readonly delivered: number;
}

/**
 * Emits `event` with `data`: every step that waits for it (`dag.waitFor`) and matches takes it, once.
 * Two steps: the waiters are taken from the event's index by the hash of the event's values (one
 * script in the event's slot, whatever the number of waiters), then the event is delivered to each in
 * its request's slot like a signal (`lua/deliverSignal.lua`, fenced by the attempt that registered it).
 * @throws DagflowError `INVALID_INPUT` for an event name that is not 1-100 of `[A-Za-z0-9_.-]`,
 *   `INVALID_OUTPUT` for data that cannot be stored
 */
export async function emitEvent(
  res: ServiceResources,
  plans: PlanSource,
  event: string,
  data: unknown,
): Promise<EmitResult> {
  if (!isValidId(event)) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      `Invalid event name ${JSON.stringify(event)}: use 1-100 characters of letters, digits, '_', '.' and '-'.`,
      { details: { event } },
    );
  }
  const encoded = encode(data);
  const sets = await res.events.keySets(event);
  const matches = eventMatches([...sets.keys()], { event, data });
  const found = matches.map((match) => ({ match, lookbackMs: sets.get(match.keySet) ?? 0 }));
  const waiters = await res.events.take(event, found, encoded);
  const delivered = await Promise.all(
    waiters.map((waiter) => deliverEvent(res, plans, waiter, encoded)),
  );
  return { delivered: delivered.filter(Boolean).length };
}

/** Delivers the event to one waiter; false when it no longer waits (or its request is gone). */
async function deliverEvent(
  res: ServiceResources,
  plans: PlanSource,
  waiter: EventWaiter,
  payload: string,
): Promise<boolean> {
  const { flow, requestId, path, owner } = waiter;
  const plan = await planOfRequest(res, plans, flow, requestId).catch(() => undefined);
  if (plan === undefined) return false;
  const result = await res.waits.deliverSignal(flow, requestId, { path, payload, owner });
  if (result.kind !== 'stored') return false;
  await wakeDelivered(res, plan, { requestId, path }, result);
  return true;
}
