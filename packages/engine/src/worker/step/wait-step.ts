import { DagflowError, ErrorCode, type Wait } from '@dagflow/flow';
import { encode } from '../../format/codec.js';
import { stepField, StepField } from '../../format/layout.js';
import { type ParentLink } from '../../format/request-ids.js';
import { ownerToken } from '../../format/job-layout.js';
import { keySetOf, waitMatch } from '../../plan/event-match.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { EventIndex } from '../../store/event-index.js';
import { type TaskStep, waitTimeoutOf } from '../../plan/steps.js';
import { removeSignalTimeout } from '../../queue/signal-timeouts.js';
import type { Run } from './step-run.js';

/**
 * The attempt of a step that waits (a signal or child-flow node), once `beginNode` made it the step's
 * owner: the encoded output when what it waits for is there (the signal's payload, the child's
 * result), or undefined once parked: the step is `waiting`, the job ends and no worker slot is held.
 * A wake job (a signal delivered to a waiting node, the child's end, the signal timeout) runs the step
 * again; every completion or failure goes through the fenced scripts, so of a late signal and a
 * timeout only one wins. A timeout fails the node with `SIGNAL_TIMEOUT`, a failed or stopped child
 * with `CHILD_FLOW_FAILED`; both are final (a fallback still applies).
 */
export async function waitFor(
  run: Run,
  step: TaskStep,
  begun: { readonly payload: string | null | undefined; readonly input: unknown },
): Promise<string | undefined> {
  const wait = step.vertex.wait;
  if (wait?.kind === 'flow') return waitForChild(run, step, wait.flow, begun.input);
  if (begun.payload != null) return begun.payload;
  const path = run.at.path;
  const timeoutMs = waitTimeoutOf(step);
  if (run.job.data.k === 't') {
    const what = wait?.kind === 'event' ? `event '${wait.event}'` : 'signal';
    throw new DagflowError(
      ErrorCode.SIGNAL_TIMEOUT,
      `Node '${path}' got no ${what} within ${String(timeoutMs ?? 0)} ms.`,
      { details: { node: path } },
    );
  }
  const generation = run.job.data.g ?? 0;
  const reached = run.job.data.k === undefined;
  // Reached (not woken): the timeout starts now, as a delayed wake job of this generation. It is
  // added before the step parks, so that a signal that finds the step parked finds it to remove.
  const timed = timeoutMs !== undefined && reached;
  if (timed) {
    await run.deps.queues.enqueue(run.plan, run.requestId, [path], {
      generation,
      wake: 't',
      delayMs: timeoutMs,
    });
  }
  // An event wait is registered in its event's index before it parks (an event emitted meanwhile is
  // delivered like a signal, and the park answers it); a recent one of its look-back answers at once.
  const recent =
    wait?.kind === 'event' && reached ? await registerEvent(run, wait, begun.input) : undefined;
  const parked = recent ?? (await park(run, stepField(StepField.signal, path)));
  // The signal came before the step parked: it completes now, and its timeout has nothing to do.
  if (parked !== undefined && timed)
    await removeSignalTimeout(run.deps.queues, run.plan, {
      requestId: run.requestId,
      path,
      generation,
    });
  return parked;
}

/**
 * A child-flow node: starts the child request (once; its id is fixed by the node's path), answers its
 * result once it completed, fails once it failed or stopped, and parks while it runs. The child's end
 * wakes the node (`child-links.ts`); a rerun of the parent first reruns the child (`request-control.ts`).
 */
async function waitForChild(
  run: Run,
  step: TaskStep,
  flow: string,
  input: unknown,
): Promise<string | undefined> {
  const { deps, requestId, at } = run;
  const parent = { flow: run.plan.name, requestId, node: at.path };
  const found = await deps.children.find(flow, parent);
  const { requestId: child, status } = found;
  if (found.status !== undefined && !found.ours) throw foreignChild(flow, child, parent);
  if (status === undefined) {
    const childInput = await (step.vertex.handler as (input: unknown) => unknown)(input);
    await deps.children.start(flow, child, childInput, parent);
  } else if (status === 'completed') {
    return encode(await deps.children.result(flow, child));
  } else if (status === 'failed' || status === 'stopped') {
    const cause = await deps.children.result(flow, child).catch((error: unknown) => error);
    const error = cause instanceof DagflowError ? cause : undefined;
    throw new DagflowError(
      ErrorCode.CHILD_FLOW_FAILED,
      `Child request '${child}' of flow '${flow}' ${status}: ${error?.message ?? String(cause)}`,
      {
        cause,
        details: {
          child: { flow, requestId: child, status },
          ...(error === undefined ? {} : { error: { code: error.code, details: error.details } }),
        },
      },
    );
  }
  return park(run, '');
}

/** The error of a child-flow node that finds a request with its child's id that it did not start. */
function foreignChild(flow: string, child: string, parent: ParentLink): DagflowError {
  return new DagflowError(
    ErrorCode.CHILD_FLOW_FAILED,
    `Request '${child}' of flow '${flow}' was not started by node '${parent.node}' of request '${parent.requestId}': it is not adopted as its child.`,
    { details: { child: { flow, requestId: child }, parent, reason: 'foreign' } },
  );
}

/** How long an event wait's index entry lives without a timeout (extended by every registration). */
const EVENT_INDEX_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** Registers the event wait in its event's index; the data of a recent matching event instead. */
function registerEvent(
  run: Run,
  wait: Extract<Wait, { kind: 'event' }>,
  input: unknown,
): Promise<string | undefined> {
  const { plan, requestId, at } = run;
  const owner = ownerToken(run.job);
  return run.deps.events.wait(
    {
      event: wait.event,
      match: waitMatch(wait.match, input),
      waiter: { flow: plan.name, requestId, path: at.path, owner },
    },
    {
      lookbackMs: wait.lookbackMs ?? 0,
      ttlMs: wait.timeoutMs === undefined ? EVENT_INDEX_TTL_MS : wait.timeoutMs + 60_000,
    },
  );
}

/**
 * Records the key sets of the flow's event waits that look back (outside branches and for-each
 * bodies), so that emits keep their events before any such step is reached.
 */
export async function announceLookbacks(events: EventIndex, plan: FlowPlan): Promise<void> {
  for (const path of plan.staticPaths) {
    const step = plan.resolve(path)?.step;
    const wait = step?.kind === 'task' ? step.vertex.wait : undefined;
    if (wait?.kind === 'event' && wait.lookbackMs !== undefined)
      await events.announce(wait.event, keySetOf(wait.match), {
        lookbackMs: wait.lookbackMs,
        ttlMs: EVENT_INDEX_TTL_MS,
      });
  }
}

/** Parks the step; the value of the `ready` data field instead when it is there. */
async function park(run: Run, ready: string): Promise<string | undefined> {
  const { deps, plan, requestId, at } = run;
  const owner = ownerToken(run.job);
  const parked = await deps.waits.park(plan.name, requestId, { path: at.path, owner, ready });
  return parked.kind === 'ready' ? parked.value : undefined;
}
