import { DagflowError, ErrorCode, type NodeContext } from '@dagflow/flow';
import { type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { encode } from './codec.js';
import { type FlowPlan, inputOf, type PlanNode } from './flow-plan.js';
import type { Keys } from './keys.js';
import type { Logger } from './logger.js';
import type { NodeJobData, NodeQueues } from './node-queues.js';
import { requestStore } from './request-store.js';
import type { StateStore } from './state-store.js';
import type { NodeError } from './types.js';

/** What the executor needs from its service. */
export interface ExecutorDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: StateStore;
  readonly queues: NodeQueues;
  readonly log: Logger;
}

interface RequestContext {
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

/**
 * Runs one node job: guard (`beginNode`), handler with timeout, then `completeNode` and the enqueue of
 * the successors it released. A crash anywhere before the job finishes makes BullMQ run the job again;
 * the guard then either re-runs the handler (it never completed) or repeats the idempotent completion.
 */
export async function executeNode(deps: ExecutorDeps, plan: FlowPlan, job: Job<NodeJobData>): Promise<void> {
  const { r: requestId, n: path } = job.data;
  const node = plan.node(path);
  if (node === undefined) {
    throw new UnrecoverableError(`Flow '${plan.name}' (version ${plan.version}) has no node '${path}'.`);
  }
  const begin = await deps.store.beginNode(plan.name, requestId, node);
  if (begin.kind === 'completed') {
    const done = await deps.store.completeNode(plan.name, requestId, node, 'null');
    if (done.kind === 'released') await deps.queues.enqueue(plan, requestId, done.ready);
    return;
  }
  if (begin.kind !== 'run') return;

  const log = deps.log.child({ flow: plan.name, requestId, node: path, attempt: begin.attempt });
  let output: string;
  try {
    const input = await inputOf(node, begin.inputs);
    const context = begin.context === null ? {} : (JSON.parse(begin.context) as RequestContext);
    const controller = new AbortController();
    const ctx: NodeContext = {
      requestId,
      flow: plan.name,
      node: path,
      attempt: begin.attempt,
      idempotencyKey: `${plan.name}/${requestId}/${path}`,
      query: context.query ?? {},
      headers: context.headers ?? {},
      signal: controller.signal,
      log,
      store: requestStore(deps.redis, deps.keys.request(plan.name, requestId).store),
    };
    output = encode(await runAttempt(node, input, ctx, controller));
  } catch (error) {
    const final = isFinalAttempt(job, error);
    const nodeError = toNodeError(path, begin.attempt, error);
    log.warn(final ? 'node failed for good' : 'node attempt failed', { error: nodeError });
    await deps.store.failNode(plan.name, requestId, nodeError, final);
    throw final ? new UnrecoverableError(nodeError.message) : error;
  }
  const done = await deps.store.completeNode(plan.name, requestId, node, output);
  if (done.kind === 'released') await deps.queues.enqueue(plan, requestId, done.ready);
}

async function runAttempt(
  node: PlanNode,
  input: unknown,
  ctx: NodeContext,
  controller: AbortController,
): Promise<unknown> {
  const handler = node.vertex.handler as (input: unknown, ctx: NodeContext) => unknown;
  const { timeoutMs } = node.options;
  if (timeoutMs === undefined) return handler(input, ctx);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DagflowError(
        ErrorCode.NODE_TIMEOUT,
        `Node '${ctx.node}' of request '${ctx.requestId}' timed out after ${timeoutMs} ms (attempt ${ctx.attempt}).`,
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => handler(input, ctx)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isFinalAttempt(job: Job<NodeJobData>, error: unknown): boolean {
  if (error instanceof UnrecoverableError) return true;
  if (error instanceof DagflowError && error.code === ErrorCode.INVALID_OUTPUT) return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** Normalises anything a handler throws into the error recorded in the request state. */
export function toNodeError(node: string, attempts: number, error: unknown): NodeError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      node,
      attempts,
      message: error.message,
      name: error.name,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { node, attempts, message: String(error), name: 'Error' };
}
