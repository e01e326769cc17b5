import { releaseSlot, type SlotParts } from './concurrency-keys.js';
import type { NodeQueues } from './node-queues.js';
import { removeParkedTimeouts } from './signal-timeouts.js';
import { removeDeadline } from './deadline-jobs.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { FINISH_STEP } from '../format/job-layout.js';
import type { EndedRequest } from '../store/state-results.js';
import type { EventIndex } from '../store/event-index.js';

function isEventWait(plan: FlowPlan, path: string): boolean {
  const step = plan.resolve(path)?.step;
  return step?.kind === 'task' && step.vertex.wait?.kind === 'event';
}

/** How a request ended, as the process that saw it end counts it. */
export type Ending = 'completed' | 'failed' | 'stopped';

/**
 * What {@link requestEnded} needs: the queues, the state and concurrency-key slots, and this process's
 * counter of ended requests.
 */
export interface EndingParts extends SlotParts {
  readonly queues: NodeQueues;
  readonly ended: (flow: string, ending: Ending) => void;
  /** Wakes the parent node of a child request (`dag.flow`), if the request has a parent. */
  readonly wakeParent?: (flow: string, requestId: string, parent?: string | null) => Promise<void>;
  /** The event index, whose entries of a failed or stopped request's event waits are taken out. */
  readonly events?: EventIndex;
}

/**
 * The one path for "a request ended here": counts it, takes the timeout jobs of its parked signal steps
 * off the queue and its event waits out of their events' indexes (a failed or stopped request), takes
 * its deadline job off the queue, clears its singleton key (if it still holds it), gives back its
 * concurrency-key slot, and enqueues its `@finish` job when the flow has
 * work for that ending (`finally` after a completion; compensations, `onFailure` or `finally` after a
 * failure or stop), and wakes the parent node of a child request. `generation` is the job-id
 * generation of a rerun that completed the request.
 */
export async function requestEnded(
  parts: EndingParts,
  plan: FlowPlan,
  request: {
    readonly requestId: string;
    readonly ending: Ending;
    readonly generation?: number;
    /** Its parent link and concurrency key, when the script that ended it read them; else read here. */
    readonly known?: EndedRequest;
    /** Steps that may be parked (a stop's), else those outside branches and for-each bodies. */
    readonly steps?: readonly string[];
  },
): Promise<void> {
  const { requestId, ending, generation } = request;
  parts.ended(plan.name, ending);
  if (ending !== 'completed' && plan.hasSignalTimeouts)
    await removeParkedTimeouts(parts, plan, { requestId, paths: request.steps });
  if (ending !== 'completed' && plan.hasEventWaits && parts.events !== undefined) {
    const paths = (request.steps ?? plan.staticPaths).filter((path) => isEventWait(plan, path));
    await parts.events.forget(plan.name, requestId, paths);
  }
  // Whoever ends it may not know the flow's options (a client's stop): the request's state says its
  // key, deadline and singleton key.
  const known = request.known ?? (await parts.store.readEnded(plan.name, requestId));
  if (known.deadline === true) await removeDeadline(parts.queues, plan, requestId);
  if (known.singleton != null) {
    const target = { flow: plan.name, name: known.singleton, requestId };
    await parts.slots.singleton(target, 'release');
  }
  await releaseSlot(parts, plan, requestId, known.concurrencyKey);
  await parts.wakeParent?.(plan.name, requestId, known.parent);
  const hasWork = ending === 'completed' ? plan.hooks.finally !== undefined : plan.hasFinishHooks;
  if (!hasWork) return;
  await parts.queues.enqueue(
    plan,
    requestId,
    [FINISH_STEP],
    generation === undefined ? {} : { generation },
  );
}
