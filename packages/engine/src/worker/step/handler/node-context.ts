import {
  DagflowError,
  ErrorCode,
  type NodeContext,
  type NodeLogger,
  type RequestStore,
} from '@dagflow/flow';
import type { LazyAbort } from './lazy-abort.js';
import { requestStore } from '../../../store/request-store.js';
import type { LogTarget, NodeLogWriter } from '../../../store/node-logs.js';
import type { ExecutorDeps } from '../executor-deps.js';
import type { NodeLogLine } from '../../../types/types.js';
import { clockNow } from '../../../infra/clock.js';
import type { BatchedSource } from '../../../store/chunk-writes.js';
import { encode } from '../../../format/codec.js';
import { type SignalUrlOptions, signalUrl } from '../../../events/signal-urls.js';

/** The attempt a handler's context belongs to. */
export interface ContextAttempt {
  readonly flow: string;
  readonly requestId: string;
  readonly node: string;
  readonly attempt: number;
  /** The request's stored context (query and headers, JSON), or null. */
  readonly context: string | null;
  /** Aborts the handler's `signal` (made on first read). */
  readonly abort: LazyAbort;
  /** The attempt's owner token, which fences its chunks; undefined outside a node's attempt (a compensation). */
  readonly owner: string | undefined;
}

interface RequestContext {
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

/** `ctx` of a handler; its logger, store and request context are built on first use (a hot path). */
export class HandlerContext implements NodeContext {
  readonly requestId: string;
  readonly flow: string;
  readonly node: string;
  readonly attempt: number;
  /** The executor's services: `ctx.store`'s connection and keys, `ctx.log`, `ctx.emit`, `ctx.signalUrl`. */
  readonly #deps: ExecutorDeps;
  readonly #source: ContextAttempt;
  #parsed: RequestContext | undefined;
  #log: NodeLogger | undefined;
  #store: RequestStore | undefined;
  #chunkSource: BatchedSource | undefined;

  constructor(deps: ExecutorDeps, source: ContextAttempt) {
    this.#deps = deps;
    this.#source = source;
    this.requestId = source.requestId;
    this.flow = source.flow;
    this.node = source.node;
    this.attempt = source.attempt;
  }

  get signal(): AbortSignal {
    return this.#source.abort.signal;
  }

  get idempotencyKey(): string {
    return `${this.flow}/${this.requestId}/${this.node}`;
  }

  get query(): Readonly<Record<string, string>> {
    return this.#requestContext().query ?? {};
  }

  get headers(): Readonly<Record<string, string>> {
    return this.#requestContext().headers ?? {};
  }

  get log(): NodeLogger {
    this.#log ??= keptLogger(
      this.#deps.log.child({
        flow: this.flow,
        requestId: this.requestId,
        node: this.node,
        attempt: this.attempt,
      }),
      this.#deps.logs,
      { flow: this.flow, requestId: this.requestId, path: this.node, attempt: this.attempt },
    );
    return this.#log;
  }

  get store(): RequestStore {
    const keys = this.#deps.keys.request(this.flow, this.requestId);
    this.#store ??= requestStore(this.#deps.redis, keys.store, keys.state);
    return this.#store;
  }

  async emit(chunk: unknown): Promise<void> {
    const { owner } = this.#source;
    const { chunks } = this.#deps;
    if (owner === undefined) {
      throw new DagflowError(
        ErrorCode.STREAM_CLOSED,
        `ctx.emit works in a node's handler only, not here ('${this.node}' of request '${this.requestId}').`,
      );
    }
    this.#chunkSource ??= chunks.sourceOf({
      flow: this.flow,
      requestId: this.requestId,
      path: this.node,
      owner,
      attempt: this.attempt,
    });
    await chunks.append(this.#chunkSource, encode(chunk));
  }

  signalUrl(signal: string, options?: SignalUrlOptions): string {
    const target = { flow: this.flow, requestId: this.requestId, signal };
    return signalUrl(this.#deps.signing, target, options);
  }

  #requestContext(): RequestContext {
    const { context } = this.#source;
    this.#parsed ??= context === null ? {} : (JSON.parse(context) as RequestContext);
    return this.#parsed;
  }
}

/** A logger that writes each line to `log` and also keeps it in the attempt's log (see `NodeDetail.logs`). */
function keptLogger(log: NodeLogger, logs: NodeLogWriter, target: LogTarget): NodeLogger {
  const line =
    (level: NodeLogLine['level']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      log[level](message, fields);
      logs.write(target, {
        at: clockNow(),
        level,
        message: String(message),
        ...(fields === undefined ? {} : { fields }),
      });
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
