import { DagflowError, ErrorCode } from '@dagflow/flow';
import { planOfRequest } from './request-api.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { ParentLink } from '../format/request-ids.js';
import type { FoundChild } from '../store/reads/state-reads.js';
import type { PlanSource } from '../registry/plan-source.js';
import type { ServiceResources } from '../resources/service-resources.js';

/**
 * Wakes the parent node of a child request that ended: a wake job of the node, under the parent's
 * current generation, completes it with the child's result or fails it with its error (see
 * `worker/step/wait-step.ts`). A request without a parent costs one read.
 */
export async function wakeParent(
  res: ServiceResources,
  plans: PlanSource,
  child: { readonly flow: string; readonly requestId: string },
  /** The child's stored parent link when the caller read it (null: none); read here when undefined. */
  parent?: string | null,
): Promise<void> {
  const link =
    parent === undefined
      ? await res.waits.parentOf(child.flow, child.requestId)
      : parent === null
        ? undefined
        : (JSON.parse(parent) as ParentLink);
  if (link === undefined) return;
  const plan = await planOfRequest(res, plans, link.flow, link.requestId).catch(() => undefined);
  if (plan === undefined) return; // the parent expired
  const generation = await res.waits.generation(link.flow, link.requestId);
  await res.queues.enqueue(plan, link.requestId, [link.node], { generation, wake: 'w' });
}

/**
 * Stops or reruns the child requests of the child-flow nodes among `steps` (those a stop or rerun of
 * their parent touched); a child already in another status, or gone, is left as it is, and so is a
 * request with a child's id that the parent did not start (see `StateReads.findChild`).
 */
export async function reachChildren(
  control: (flow: string, requestId: string) => Promise<void>,
  find: (flow: string, parent: ParentLink) => Promise<FoundChild>,
  parent: {
    readonly plan: FlowPlan;
    readonly requestId: string;
    readonly steps: readonly string[];
  },
): Promise<void> {
  const { plan, requestId } = parent;
  const found = await Promise.all(
    parent.steps.flatMap((node) => {
      const step = plan.resolve(node)?.step;
      if (step?.kind !== 'task' || step.vertex.wait?.kind !== 'flow') return [];
      const flow = step.vertex.wait.flow;
      return [find(flow, { flow: plan.name, requestId, node }).then((child) => ({ flow, child }))];
    }),
  );
  const children = found.flatMap(({ flow, child }) =>
    child.status !== undefined && child.ours ? [{ flow, requestId: child.requestId }] : [],
  );
  await Promise.all(
    children.map((child) =>
      control(child.flow, child.requestId).catch((error: unknown) => {
        const skip = [ErrorCode.INVALID_TRANSITION, ErrorCode.REQUEST_NOT_FOUND];
        if (!(error instanceof DagflowError && skip.some((code) => code === error.code)))
          throw error;
      }),
    ),
  );
}
