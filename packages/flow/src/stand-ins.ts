import { DagflowError, ErrorCode } from './errors.js';

/**
 * Stand-ins for code a process does not have: the handler of a node another service handles, and the
 * code of a published version's vertices rebuilt without it (see `dagFromDescription`).
 */
const ELSEWHERE = Symbol('dagflow.handledElsewhere');

/** The handler of a node that another service handles. */
export function handledElsewhere(id: string, queue: string): () => never {
  return markElsewhere((): never => {
    throw new DagflowError(
      ErrorCode.NO_HANDLER,
      `Node '${id}' is handled by the service that serves queue '${queue}', not by this process.`,
    );
  });
}

/** Marks a stand-in for code this process does not have (see {@link isHandledElsewhere}). */
export function markElsewhere<F extends (...args: never[]) => unknown>(standIn: F): F {
  return Object.assign(standIn, { [ELSEWHERE]: true });
}

/**
 * Whether `handler` (or a condition, for-each function, aggregator or edge transform) is a stand-in for
 * code that lives in another service or another version of the flow.
 */
export function isHandledElsewhere(handler: unknown): boolean {
  return typeof handler === 'function' && ELSEWHERE in handler;
}
