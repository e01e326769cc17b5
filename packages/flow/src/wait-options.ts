import type { StandardSchemaV1 } from './standard-schema.js';
import type { NodeContext } from './types.js';

/** Options of the vertices that wait: signals, event waits, sleeps and child flows. */
/** Options of a signal node (`dag.signal`). */
export interface SignalOptions {
  /**
   * Milliseconds the node waits for its signal once reached; then it fails with `SIGNAL_TIMEOUT`.
   * @defaultValue no timeout
   */
  readonly timeoutMs?: number;
  /** Runs when the node fails (its timeout): its output stands in for the signal's payload. */
  readonly fallback?: (input: never, ctx: NodeContext, error: Error) => unknown;
  /**
   * A Standard Schema the payload must satisfy; the schema's value (after its transforms) is the
   * node's output. `service.signal` refuses a payload that fails it with `INVALID_INPUT` (in processes
   * that registered the flow in code), and the worker checks it again (and a fallback's output) as
   * the node's `output` schema, failing the node with `OUTPUT_SCHEMA_MISMATCH`.
   * @defaultValue no check
   */
  readonly payload?: StandardSchemaV1;
}

/** Options of a node that waits for an event (`dag.waitFor`). */
export interface WaitForOptions {
  /** The event's name, as `service.emit(event, data)` names it (1-100 of `[A-Za-z0-9_.-]`). */
  readonly event: string;
  /**
   * Which event is this node's: each key is a dotted path into the event `{ event, data }` (e.g.
   * `data.orderId`), each value a `$.path` into the node's input (`$` is the whole input); an event
   * matches when every key's value equals (as JSON) the value its expression picks from the input.
   * @defaultValue `{}`: the first event of that name matches
   */
  readonly match?: Readonly<Record<string, string>>;
  /**
   * Milliseconds the node waits once reached; then it fails with `SIGNAL_TIMEOUT`.
   * @defaultValue no timeout
   */
  readonly timeoutMs?: number;
  /**
   * Milliseconds before the node was reached in which a matching event also counts (the first one
   * of the window is taken); events older than that, or emitted earlier without a waiter and
   * without a look-back, are not delivered.
   * @defaultValue 0: only events emitted after the node was reached
   */
  readonly lookbackMs?: number;
  /** Runs when the node fails (its timeout): its output stands in for the event's data. */
  readonly fallback?: (input: never, ctx: NodeContext, error: Error) => unknown;
  /**
   * A Standard Schema the event's data must satisfy, checked by the worker as the node's `output`
   * schema (`OUTPUT_SCHEMA_MISMATCH`); its value (after transforms) is the node's output.
   * @defaultValue no check
   */
  readonly data?: StandardSchemaV1;
}

/** Options of a child-flow node (`dag.flow`). */
export interface ChildFlowOptions {
  /**
   * Makes the child request's input from the node's input.
   * @defaultValue the node's input as it is
   */
  readonly input?: (input: never) => unknown;
}

/**
 * What a task vertex waits for instead of (or before) running a handler: a signal, an event, a child
 * flow's end, or a delay (a sleep passes its input through).
 */
export type Wait =
  | { readonly kind: 'signal'; readonly timeoutMs?: number }
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'flow'; readonly flow: string }
  | {
      readonly kind: 'event';
      readonly event: string;
      /** Dotted path into the event `{ event, data }` -> `$.path` into the node's input. */
      readonly match: Readonly<Record<string, string>>;
      readonly timeoutMs?: number;
      readonly lookbackMs?: number;
    };
