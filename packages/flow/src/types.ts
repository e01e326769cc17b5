import type { StandardSchemaV1 } from './standard-schema.js';

/** Any value a node can take or return: JSON values and binary data, nested freely. */
export type Data =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | readonly Data[]
  | { readonly [key: string]: Data | undefined };

/** Structured logger handed to handlers; every line carries flow, request id and node path. */
export interface NodeLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A small key/value store shared by all nodes of one request; it expires with the request. */
export interface RequestStore {
  /** The value stored under `key`, or `undefined`. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores `value` under `key` for the rest of the request. */
  set(key: string, value: unknown): Promise<void>;
}

/** What a handler knows about the attempt it runs in. */
export interface NodeContext {
  /** The request's id. */
  readonly requestId: string;
  /** The flow's name. */
  readonly flow: string;
  /** The node path, e.g. `mark-profile` or `verify/face-detect`. */
  readonly node: string;
  /** 1-based attempt number; above 1 after a retry or after a worker crashed mid-step. */
  readonly attempt: number;
  /**
   * Stable across attempts of this node in this request: use it to make side effects idempotent,
   * since delivery is at least once.
   */
  readonly idempotencyKey: string;
  /** Query parameters of the request that started the flow. */
  readonly query: Readonly<Record<string, string>>;
  /** Headers of the request that started the flow (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborted when the attempt times out or the request is stopped. */
  readonly signal: AbortSignal;
  /** Structured logger for this node. */
  readonly log: NodeLogger;
  /** Per-request key/value store. */
  readonly store: RequestStore;
  /**
   * Appends one chunk (a JSON value, a string or bytes) to the request's stream, which clients read
   * while the node runs (`service.stream`, `GET /flow/:name/requests/:id/stream`); each chunk carries
   * this node's path and attempt. The promise resolves once the chunk is stored: awaiting it gives
   * back-pressure, and chunks emitted in the same tick are stored together.
   * @throws DagflowError `STREAM_LIMIT_EXCEEDED` (over `maxChunkBytes` or `maxStreamBytes`),
   *   `STALE_ATTEMPT` (another attempt owns the node now), `STREAM_CLOSED` (the node finished, the
   *   request ended, or not called from a node's handler)
   * @example
   * ```ts
   * dag.node('answer', async (prompt: string, ctx) => {
   *   let text = '';
   *   for await (const token of model.generate(prompt)) {
   *     text += token;
   *     await ctx.emit(token);
   *   }
   *   return text;
   * });
   * ```
   */
  emit(chunk: unknown): Promise<void>;
  /**
   * A URL that delivers the signal node `signal` (its node path) of this request once, without a
   * bearer token (`POST` to it; the body is the payload): hand it to a third party, such as a payment
   * provider's webhook. It is HMAC-signed with the first key of `DAGFLOW_SIGNING_KEY` and expires
   * after `expiresInMs` (default 24 hours).
   * @throws DagflowError `SIGNING_KEY_MISSING` when no signing key is configured
   * @example
   * ```ts
   * dag.node('charge', async (order: { id: string }, ctx) => {
   *   return { webhook: ctx.signalUrl('paid', { expiresInMs: 3_600_000 }) };
   * });
   * ```
   */
  signalUrl(signal: string, options?: { readonly expiresInMs?: number }): string;
}

/** A step of a flow: takes its input, returns its output. */
export type Handler<I = unknown, O = unknown> = (input: I, ctx: NodeContext) => O | Promise<O>;

/** Turns a join node's `{ [parentId]: output }` into its input. */
export type Aggregator<O = unknown> = (
  outputs: Readonly<Record<string, unknown>>,
) => O | Promise<O>;

/** Delay between attempts of a failing node. */
export interface BackoffOptions {
  /** `fixed` waits `delayMs` each time; `exponential` waits `delayMs * 2^(attempt-1)`. */
  readonly type: 'fixed' | 'exponential';
  /** Base delay in milliseconds. */
  readonly delayMs: number;
}

/** Options of one node. */
export interface NodeOptions {
  /**
   * Extra attempts after the first one fails.
   * @defaultValue 0
   */
  readonly retries?: number;
  /**
   * Delay between attempts.
   * @defaultValue `{ type: 'exponential', delayMs: 100 }`
   */
  readonly backoff?: BackoffOptions;
  /**
   * Milliseconds an attempt may run before its signal is aborted and it counts as failed.
   * @defaultValue no timeout
   */
  readonly timeoutMs?: number;
  /** For a node with several parents: makes its input from `{ [parentId]: output }`. */
  readonly aggregator?: Aggregator;
  /**
   * Runs after the last attempt failed; its output stands in for the node's and the flow goes on.
   * If it throws, the node fails with the original error.
   */
  readonly fallback?: (input: never, ctx: NodeContext, error: Error) => unknown;
  /**
   * Saga compensation: when the request ends failed or stopped, runs for each completed node that has
   * one, in reverse completion order, with that node's input and output. Retried up to 3 attempts.
   */
  readonly compensate?: (input: never, output: never, ctx: NodeContext) => unknown;
  /**
   * The queue this node runs on: only processes that handle the node on that queue run it (steps owned
   * by another service). `[A-Za-z0-9_.-]`, 1-100 characters.
   * @defaultValue the flow's own queue, served by every worker of the flow
   */
  readonly queue?: string;
  /**
   * A Standard Schema (zod, valibot, arktype...) the node's output must satisfy, checked in the worker
   * when the handler (or its fallback) returns; the schema's value (after its transforms) is what is
   * stored. A mismatch fails the attempt with `OUTPUT_SCHEMA_MISMATCH`, retried like any failure.
   * Checked by processes that registered the flow in code, not by those that serve a node with
   * `handle()` from the published definition (a schema is code, not data).
   * @defaultValue no check
   */
  readonly output?: StandardSchemaV1;

  /**
   * Milliseconds the node waits once ready before it starts: its job is a delayed BullMQ job, and no
   * worker slot is held meanwhile (a resume or rerun that enqueues it again restarts the delay).
   * @defaultValue no delay
   */
  readonly delayMs?: number;
  /**
   * Cached results: a completed attempt's output is kept for `ttlMs` under `key(input)`, and a node of
   * this flow whose key has a fresh output completes with it without running its handler (node state
   * `cached: true`). Concurrent attempts with one key, in any process, run the handler once
   * (single-flight; see docs/fairness.md).
   * @defaultValue no cache
   */
  readonly cache?: CacheOptions;
}

/** A node's result cache (`NodeOptions.cache`). */
export interface CacheOptions {
  /** The cache key of an input: equal keys share one output (the node's own id and flow are added). */
  readonly key: (input: never) => string;
  /** Milliseconds a cached output stays fresh (an integer > 0). */
  readonly ttlMs: number;
}

/** Options of a sub-DAG vertex. */
export interface SubDagOptions {
  /** Replaces the sub-DAG's output (`{ [terminalId]: output }` when it has several terminals). */
  readonly aggregator?: Aggregator;
}

/** Picks the branches to run from the vertex input: any number of declared keys. */
export type Condition<I = unknown> = (input: I) => readonly string[] | Promise<readonly string[]>;

/** Options of a conditional-branch vertex. */
export interface BranchOptions {
  /** Turns `{ [key]: branchOutput }` of the branches that ran into the vertex output. */
  readonly aggregator?: Aggregator;
}

/** Splits the vertex input into items: `{ [itemKey]: itemInput }`. */
export type ForEach<I = unknown> = (
  input: I,
) => Readonly<Record<string, unknown>> | Promise<Readonly<Record<string, unknown>>>;

/** Options of a for-each vertex. */
export interface ForEachOptions {
  /** Turns `{ [itemKey]: itemOutput }` into the vertex output. */
  readonly aggregator?: Aggregator;
  /**
   * Items whose body runs at once; the others wait their turn.
   * @defaultValue no limit
   */
  readonly maxConcurrency?: number;
}

/** Options of an edge. */
export interface EdgeOptions {
  /** Transforms the output of `from` before `to` receives it. */
  readonly forward?: (output: unknown) => unknown;
  /** Orders `to` after `from` without passing data. */
  readonly executionOnly?: boolean;
  /**
   * Streams `from`'s chunks (`ctx.emit`) to `to` while `from` runs: `to` is released when `from`'s
   * attempt starts, and its input is a {@link StreamInput} of `from`'s chunk data. Both must be plain
   * task nodes (no signal, sleep or child flow), and the edge must be `to`'s only edge in.
   */
  readonly stream?: boolean;
}

/**
 * The input of a node fed by a stream edge (`dag.edge(from, to, { stream: true })`): the data `T` of the
 * chunks `from`'s current attempt emits, in order, as they come, ending when `from` completes. One pass:
 * iterate it once.
 *
 * If `from`'s attempt fails and is retried (or its worker is lost), reading throws `UPSTREAM_RETRIED`:
 * the consumer's attempt ends without counting as a failure, and the engine runs it again, from the
 * first chunk of `from`'s next attempt. If `from` fails for good, or the request ends, reading throws
 * `STREAM_CLOSED` and the consumer does not complete.
 * @example
 * ```ts
 * dag.node('speak', async (tokens: StreamInput<string>) => {
 *   let spoken = 0;
 *   for await (const token of tokens) spoken += await say(token);
 *   return { spoken, text: await tokens.output() };
 * });
 * ```
 */
export interface StreamInput<T = unknown, O = unknown> extends AsyncIterable<T> {
  /**
   * `from`'s output, once it completed; the chunks not yet read are skipped. The consumer completes
   * only after `from` did, whether the handler called this or not. `O` is its type where a typed
   * flow knows it (`typedFlow().node(to, from, handler, { stream: true })`).
   * @throws DagflowError `UPSTREAM_RETRIED`, `STREAM_CLOSED` (as reading does)
   */
  output(): Promise<O>;
}
