import {
  DagflowError,
  ErrorCode,
  type NodeContext,
  checkSchema,
  describeIssues,
} from '@dagflow/flow';
import { decode, encode } from '../../../format/codec.js';
import type { ExecutorDeps } from '../executor-deps.js';
import { HandlerContext } from './node-context.js';
import type { FlowPlan } from '../../../plan/flow-plan.js';
import type { LazyAbort } from './lazy-abort.js';
import type { TaskStep } from '../../../plan/steps.js';

/** The context handed to a handler (and to its fallback and compensation). */
export function contextFor(
  run: {
    readonly deps: ExecutorDeps;
    readonly plan: FlowPlan;
    readonly requestId: string;
    readonly at: { readonly path: string };
  },
  begin: {
    readonly attempt: number;
    readonly context: string | null;
    /** The attempt's owner token (fences `ctx.emit`); absent for a compensation. */
    readonly owner?: string;
  },
  controller: LazyAbort,
): NodeContext {
  const { deps } = run;
  return new HandlerContext(deps, {
    flow: run.plan.name,
    requestId: run.requestId,
    node: run.at.path,
    attempt: begin.attempt,
    context: begin.context,
    abort: controller,
    owner: begin.owner,
  });
}

/** The output, unless it is over the service's `maxOutputBytes`. */
export function checkedSize(
  run: { readonly deps: ExecutorDeps; readonly at: { readonly path: string } },
  output: string,
): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short outputs need no count.
  if (output.length * 3 <= run.deps.maxOutputBytes) return output;
  const bytes = Buffer.byteLength(output);
  if (bytes > run.deps.maxOutputBytes) {
    throw new DagflowError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `The output of '${run.at.path}' is ${bytes} bytes, over the ${run.deps.maxOutputBytes}-byte limit: store large data elsewhere (object storage, a database) and return a reference to it.`,
      { details: { node: run.at.path, bytes, limit: run.deps.maxOutputBytes } },
    );
  }
  return output;
}

/**
 * The output as its node's `output` schema gives it back (after its transforms), or as returned when
 * the node has none.
 * @throws DagflowError `OUTPUT_SCHEMA_MISMATCH` with `details.issues`; the attempt fails like any other
 */
export async function checkedOutput(
  step: TaskStep,
  ctx: NodeContext,
  output: unknown,
): Promise<unknown> {
  const schema = step.options.output;
  if (schema === undefined) return output;
  const checked = await checkSchema(schema, output);
  if (checked.ok) return checked.value;
  throw new DagflowError(
    ErrorCode.OUTPUT_SCHEMA_MISMATCH,
    `The output of node '${ctx.node}' of request '${ctx.requestId}' does not match its schema: ${describeIssues(checked.issues)}.`,
    { details: { node: ctx.node, issues: checked.issues } },
  );
}

/**
 * What a waiting step (a signal or child-flow node) completes with: the encoded payload or result as
 * it came, or, where the node has an `output` schema (a signal's `payload` schema), as the schema gives
 * it back; undefined (parked) stays undefined.
 * @throws DagflowError `OUTPUT_SCHEMA_MISMATCH`, see {@link checkedOutput}
 */
export async function checkedWait(
  step: TaskStep,
  ctx: NodeContext,
  encoded: string | undefined,
): Promise<string | undefined> {
  if (encoded === undefined || step.options.output === undefined) return encoded;
  return encode(await checkedOutput(step, ctx, decode(encoded)));
}

/** Runs a task's handler, aborting its signal and failing with `NODE_TIMEOUT` after its `timeoutMs`. */
export async function withTimeout(
  step: TaskStep,
  input: unknown,
  ctx: NodeContext,
  controller: LazyAbort,
): Promise<unknown> {
  const handler = step.vertex.handler as (input: unknown, ctx: NodeContext) => unknown;
  const { timeoutMs } = step.options;
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
