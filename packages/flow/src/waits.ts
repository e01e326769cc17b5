import { DagflowError, DagValidationError, ErrorCode } from './errors.js';
import { assertValidId } from './ids.js';
import type { ChildFlowOptions, NodeOptions, SignalOptions, Wait } from './types.js';

/** The parts of a task vertex that waits: its stand-in handler, options and what it waits for. */
export interface WaitParts {
  readonly handler: (input: never) => unknown;
  readonly options: NodeOptions;
  readonly wait: Wait;
}

/** A signal node: its handler is never called (the signal's payload is its output). */
export function signalParts(id: string, options: SignalOptions): WaitParts {
  const { timeoutMs, fallback, payload } = options;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new DagValidationError(
      ErrorCode.DAG_INVALID_OPTION,
      `Signal '${id}' has invalid options: timeoutMs must be a number > 0 (got ${String(timeoutMs)}).`,
      [id],
    );
  }
  return {
    handler: () => {
      throw new DagflowError(
        ErrorCode.NO_HANDLER,
        `Node '${id}' is a signal: it completes with the payload of service.signal(), and runs no handler.`,
      );
    },
    options: {
      ...(fallback === undefined ? {} : { fallback }),
      ...(payload === undefined ? {} : { output: payload }),
    },
    wait: { kind: 'signal', ...(timeoutMs === undefined ? {} : { timeoutMs }) },
  };
}

/** A sleep: passes its input through once its delay passed (its job is a delayed job). */
export function sleepParts(ms: number): WaitParts {
  return { handler: (input) => input, options: { delayMs: ms }, wait: { kind: 'sleep', ms } };
}

/** A child-flow node: its handler makes the child's input from the node's input. */
export function childFlowParts(flow: string, options: ChildFlowOptions): WaitParts {
  assertValidId(flow, 'flow');
  return {
    handler: options.input ?? ((input) => input),
    options: {},
    wait: { kind: 'flow', flow },
  };
}
