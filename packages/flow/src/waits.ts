import { DagflowError, DagValidationError, ErrorCode } from './errors.js';
import { assertValidId, isValidId } from './ids.js';
import type { NodeOptions } from './types.js';
import type { ChildFlowOptions, SignalOptions, Wait, WaitForOptions } from './wait-options.js';

/** The parts of a task vertex that waits: its stand-in handler, options and what it waits for. */
export interface WaitParts {
  readonly handler: (input: never) => unknown;
  readonly options: NodeOptions;
  readonly wait: Wait;
}

/** A signal node: its handler is never called (the signal's payload is its output). */
export function signalParts(id: string, options: SignalOptions): WaitParts {
  const { timeoutMs, fallback, payload } = options;
  assertPositive(id, 'timeoutMs', timeoutMs);
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

/** The paths an event match may use: dotted names, `$` and `$.`-paths for the node's input. */
const EVENT_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const INPUT_PATH = /^\$(\.[A-Za-z0-9_-]+)*$/;

/**
 * A node that waits for an event (`dag.waitFor`): its handler is never called (the event's data is its
 * output); `service.emit` finds it through the match values its input gives when it is reached.
 */
export function eventParts(id: string, options: WaitForOptions): WaitParts {
  const { event, match = {}, timeoutMs, lookbackMs, fallback, data } = options;
  if (!isValidId(event))
    invalid(id, `event must be 1-100 of [A-Za-z0-9_.-] (got ${JSON.stringify(event)})`);
  for (const [key, expression] of Object.entries(match)) {
    if (!EVENT_PATH.test(key) || !INPUT_PATH.test(expression))
      invalid(
        id,
        `match ${JSON.stringify(key)}: ${JSON.stringify(expression)} must map a dotted path of the event to a $.path of the input`,
      );
  }
  assertPositive(id, 'timeoutMs', timeoutMs);
  assertPositive(id, 'lookbackMs', lookbackMs);
  return {
    handler: () => {
      throw new DagflowError(
        ErrorCode.NO_HANDLER,
        `Node '${id}' waits for event '${event}': it completes with the data of service.emit(), and runs no handler.`,
      );
    },
    options: {
      ...(fallback === undefined ? {} : { fallback }),
      ...(data === undefined ? {} : { output: data }),
    },
    wait: {
      kind: 'event',
      event,
      match: { ...match },
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(lookbackMs === undefined ? {} : { lookbackMs }),
    },
  };
}

function assertPositive(id: string, name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0))
    invalid(id, `${name} must be a number > 0 (got ${String(value)})`);
}

function invalid(id: string, problem: string): never {
  throw new DagValidationError(
    ErrorCode.DAG_INVALID_OPTION,
    `Node '${id}' has invalid options: ${problem}.`,
    [id],
  );
}
