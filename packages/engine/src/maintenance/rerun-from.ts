import { DagflowError, ErrorCode } from '@dagflow/flow';
import { encode } from '../format/codec.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { planRerunFrom } from '../plan/rerun-plan.js';
import { readStateFields, writeRerunFrom } from '../store/migration-writes.js';
import type { ServiceResources } from '../resources/service-resources.js';
import { type ControlDeps, enqueueRerun } from '../client/request-control.js';

/** Options of a rerun from a node (`FlowClient.rerun` with `from`). */
export interface RerunFromOptions {
  /** The top-level vertex to run again, with everything downstream of it. */
  readonly from: string;
  /** A new input for that node, instead of its parents' outputs (or the request input, for a root). */
  readonly input?: unknown;
}

/** Times the state is read again when it changed between the read and the write. */
const TRIES = 5;

/**
 * Reruns a completed, failed or stopped request from the top-level vertex `from`: it and every vertex
 * downstream of it run again (a composite whole), completed nodes upstream keep their outputs, and
 * failed or unfinished nodes elsewhere run again as in any rerun. Fenced as any rerun: the
 * generation is bumped, so late attempts of the reset steps write nothing.
 * @throws DagflowError `UNKNOWN_NODE`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless completed,
 *   failed or stopped
 */
export async function rerunFrom(
  deps: ControlDeps & { readonly res: ServiceResources },
  plan: FlowPlan,
  requestId: string,
  options: RerunFromOptions,
): Promise<void> {
  const { from } = options;
  if (!plan.graph.nodes.has(from)) {
    throw new DagflowError(
      ErrorCode.UNKNOWN_NODE,
      `Cannot rerun request '${requestId}' of flow '${plan.name}' from '${from}': it is not a top-level node of the flow (version ${plan.version}). A node inside a sub-DAG, branch or for-each reruns with its composite vertex; the top-level nodes are ${[...plan.graph.order].join(', ')}.`,
      { details: { node: from, nodes: [...plan.graph.order] } },
    );
  }
  const { res } = deps;
  const target = { flow: plan.name, requestId };
  const input = 'input' in options ? encode(options.input) : undefined;
  for (let tried = 0; tried < TRIES; tried++) {
    const read = await readStateFields(res.redis, res.keys, target);
    const rerun = { from, at: Date.now(), inputReplaced: input !== undefined };
    const written = await writeRerunFrom(res.redis, res.keys, target, {
      read,
      plan: planRerunFrom(plan, read, from),
      rerun,
      ...(input === undefined ? {} : { input }),
      completedRetentionMs: res.store.retention.completedMs,
    });
    if (written.kind === 'changed') continue;
    if (written.kind === 'missing') {
      throw new DagflowError(
        ErrorCode.REQUEST_NOT_FOUND,
        `Request '${requestId}' of flow '${plan.name}' does not exist or has expired.`,
        { details: target },
      );
    }
    if (written.kind === 'invalid') {
      throw new DagflowError(
        ErrorCode.INVALID_TRANSITION,
        `Cannot rerun request '${requestId}' of flow '${plan.name}' from '${from}': it is ${written.status}, and a rerun from a node applies only to a completed, failed or stopped request.`,
        { details: { status: written.status, command: 'rerun' } },
      );
    }
    await enqueueRerun(deps, plan, requestId, { ...written, completed: false });
    return;
  }
  throw new DagflowError(
    ErrorCode.INVALID_TRANSITION,
    `Cannot rerun request '${requestId}' of flow '${plan.name}' from '${from}': its state kept changing while it was read (${TRIES} tries); try again.`,
    { details: { status: 'changing', command: 'rerun' } },
  );
}
