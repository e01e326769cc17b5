import { DagflowError, ErrorCode } from '@dagflow/flow';
import { type EndingParts, requestEnded } from '../queue/request-ended.js';
import { jobId } from '../format/job-layout.js';
import { StoredLimit } from '../format/layout.js';
import type { PlanSource } from '../registry/plan-source.js';
import type { ServiceResources } from '../resources/service-resources.js';
import { reachChildren, wakeParent } from './child-links.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { ControlCommand, StopReason } from '../store/state-results.js';
import type { RequestWrites } from '../store/request-writes.js';

/**
 * What lifecycle commands need; `ended` counts a request a command ended (stop; a rerun that found
 * nothing left to run).
 */
export interface ControlDeps extends EndingParts {
  readonly store: RequestWrites;
  /** Aborts this process's running attempts of a stopped request (`flow/requestId`). */
  readonly abortRunning: (requestKey: string) => void;
  /** Stops or reruns the child requests of child-flow nodes among `steps` (see `child-links.ts`). */
  readonly reachChildren?: (
    command: 'stop' | 'rerun',
    plan: FlowPlan,
    parent: { readonly requestId: string; readonly steps: readonly string[] },
  ) => Promise<void>;
}

const ALLOWED: Record<ControlCommand, string> = {
  pause: 'pending or running',
  resume: 'paused',
  stop: 'pending, running or paused',
  rerun: 'failed or stopped',
};

/**
 * Takes the request's first root jobs that have not started off the queue and holds them (resume or
 * rerun enqueue them again). They carry the request input and begin implicitly, without the guard of
 * `beginNode` (see `format/implied-begin.ts`), so a pause or stop must not leave them waiting; a root
 * job that started (locked) or is gone stays.
 */
async function holdWaitingRoots(
  deps: ControlDeps,
  plan: FlowPlan,
  requestId: string,
): Promise<void> {
  const partition = await deps.queues.partitionOf(plan.name, requestId);
  const removed = await Promise.all(
    plan.roots.map((root) =>
      deps.queues
        .queue(plan.name, plan.queueOf(root), partition)
        .remove(jobId(requestId, root))
        .catch(() => 0),
    ),
  );
  const again = await deps.store.hold(
    plan.name,
    requestId,
    plan.roots.filter((_, i) => removed[i] === 1),
  );
  // A resume came between the pause and the removal: the roots go back on the queue.
  await deps.queues.enqueue(plan, requestId, again);
}

/**
 * Enqueues what a resume or rerun released, each step under its generation, then confirms them (until
 * then a resume re-enqueues them under the same job ids, see `lua/controlRequest.lua`), chunk by chunk
 * as stored (a rerun names each step's chunk; a resume's reply lists them in the order of the chunks,
 * `StoredLimit.resumingChunk` steps each): each confirmation rewrites one chunk.
 */
export async function enqueueReleased(
  deps: Pick<ControlDeps, 'queues' | 'store'>,
  plan: FlowPlan,
  requestId: string,
  released: {
    readonly steps: readonly string[];
    readonly generations?: readonly number[];
    readonly chunks?: readonly number[];
  },
): Promise<void> {
  /** generation -> chunk -> steps */
  const byGeneration = new Map<number, Map<number, string[]>>();
  released.steps.forEach((step, i) => {
    const generation = released.generations?.[i] ?? 0;
    const chunk = released.chunks?.[i] ?? Math.floor(i / StoredLimit.resumingChunk) + 1;
    const chunks = byGeneration.get(generation) ?? new Map<number, string[]>();
    byGeneration.set(generation, chunks);
    const group = chunks.get(chunk);
    if (group === undefined) chunks.set(chunk, [step]);
    else group.push(step);
  });
  await Promise.all(
    [...byGeneration].map(async ([generation, chunks]) => {
      await deps.queues.enqueue(plan, requestId, [...chunks.values()].flat(), { generation });
      await Promise.all(
        [...chunks].map(([chunk, steps]) =>
          deps.store.clearResuming(plan.name, requestId, { generation, chunk }, steps),
        ),
      );
    }),
  );
}

/**
 * What follows a rerun's state change (`rerun_request`, see `lua/includes/rerunRequest.lua`): the end
 * of a request it completed at once, or the released steps enqueued under the new generation.
 */
export async function enqueueRerun(
  deps: ControlDeps,
  plan: FlowPlan,
  requestId: string,
  rerun: {
    readonly steps: readonly string[];
    readonly generation: number;
    readonly generations?: readonly number[];
    readonly chunks?: readonly number[];
    readonly completed: boolean;
  },
): Promise<void> {
  const { steps, generation } = rerun;
  if (rerun.completed) {
    await requestEnded(deps, plan, { requestId, ending: 'completed', generation });
    return;
  }
  // Jobs of older generations still waiting go first: one enqueued after the stop's removal (a
  // for-each still adding its items, a successor released just before the stop) would start its
  // handed-over input without the begin guard (implied begin) once the request runs again.
  await deps.queues.removeWaitingJobs(
    plan,
    requestId,
    await deps.queues.partitionOf(plan.name, requestId),
    steps,
    generation - 1,
  );
  // A child that failed or stopped runs again before the parent's node looks at it.
  await deps.reachChildren?.('rerun', plan, { requestId, steps });
  await enqueueReleased(deps, plan, requestId, rerun);
}

/**
 * Runs a lifecycle command: the state change is one Lua script; then resume and rerun enqueue the held
 * and reset steps, and stop removes waiting jobs, aborts local handlers (other processes abort theirs
 * when the stop is published) and starts compensations.
 * @throws DagflowError `REQUEST_NOT_FOUND`, `INVALID_TRANSITION`
 */
export async function controlRequest(
  deps: ControlDeps,
  plan: FlowPlan,
  requestId: string,
  command: ControlCommand | { readonly rerunWith: string } | { readonly stopWith: StopReason },
): Promise<void> {
  const rerunWith = typeof command === 'object' && 'rerunWith' in command ? command : undefined;
  const reason =
    typeof command === 'object' && 'stopWith' in command ? command.stopWith : undefined;
  const name: ControlCommand =
    typeof command === 'string' ? command : rerunWith !== undefined ? 'rerun' : 'stop';
  // A rerun with a new input gives it to the steps that failed, before they are enqueued again.
  const failed = rerunWith !== undefined ? await deps.store.failedSteps(plan.name, requestId) : [];
  const result = await deps.store.control(plan.name, requestId, name, reason);
  if (result.kind === 'missing') {
    throw new DagflowError(
      ErrorCode.REQUEST_NOT_FOUND,
      `Request '${requestId}' of flow '${plan.name}' does not exist or has expired.`,
      {
        details: { flow: plan.name, requestId },
      },
    );
  }
  if (result.kind === 'invalid') {
    throw new DagflowError(
      ErrorCode.INVALID_TRANSITION,
      `Cannot ${name} request '${requestId}' of flow '${plan.name}': it is ${result.status}, and ${name} applies only to a ${ALLOWED[name]} request.`,
      { details: { status: result.status, command: name } },
    );
  }
  const { steps, generation } = result;
  if (rerunWith !== undefined)
    await deps.store.overrideInputs(plan.name, requestId, failed, rerunWith.rerunWith);
  switch (name) {
    case 'pause':
      await holdWaitingRoots(deps, plan, requestId);
      return;
    case 'rerun':
      await enqueueRerun(deps, plan, requestId, result);
      return;
    case 'resume':
      await enqueueReleased(deps, plan, requestId, result);
      return;
    case 'stop': {
      deps.abortRunning(`${plan.name}/${requestId}`);
      await holdWaitingRoots(deps, plan, requestId);
      // Waiting and delayed jobs of every generation go (a node released by an attempt that began before
      // a resume carries that attempt's generation), many in bounded scans of each queue (not one LREM
      // per job: 100,000 items); active ones end when their handlers see the abort.
      const partition = await deps.queues.partitionOf(plan.name, requestId);
      await deps.queues.removeWaitingJobs(plan, requestId, partition, steps, generation);
      await deps.reachChildren?.('stop', plan, { requestId, steps });
      await requestEnded(deps, plan, { requestId, ending: 'stopped', steps });
      return;
    }
  }
}

/**
 * The lifecycle-command deps of a client: its resources, and `control` for the child requests that
 * stop or rerun with their parent.
 */
export function clientControlDeps(
  res: ServiceResources,
  plans: PlanSource,
  hooks: {
    readonly abortRunning: (requestKey: string) => void;
    readonly ended: EndingParts['ended'];
    readonly control: (flow: string, requestId: string, command: 'stop' | 'rerun') => Promise<void>;
  },
): ControlDeps & { readonly res: ServiceResources } {
  return {
    res,
    store: res.store,
    queues: res.queues,
    slots: res.slots,
    events: res.events,
    abortRunning: hooks.abortRunning,
    ended: hooks.ended,
    wakeParent: (flow, id) => wakeParent(res, plans, { flow, requestId: id }),
    reachChildren: (child, parent, steps) =>
      reachChildren(
        (flow, id) => hooks.control(flow, id, child),
        (flow, link) => res.store.findChild(flow, link),
        { plan: parent, ...steps },
      ),
  };
}
