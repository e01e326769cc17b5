import {
  type BulkAction,
  type BulkDryRun,
  type BulkFilter,
  type BulkMigrationResult,
  type BulkProgress,
  type RerunOptions,
  DagflowError,
  type EmitResult,
  ErrorCode,
  type ExecuteOptions,
  type FlowVersionInfo,
  type MigrationResult,
  type ScheduleInfo,
  type ScheduleOptions,
  type SignalUrlOptions,
  type StreamChunk,
  type StreamOptions,
  type WaitOptions,
} from '@dagflow/engine';
import type {
  BulkMigrationResponse,
  DagDescription,
  ErrorResponse,
  ExecuteResponse,
  FlowDetailResponse,
  FlowInfo,
  FlowListResponse,
  FlowVersionListResponse,
  MigrationResponse,
  RequestState,
  EmitResponse,
  SignalUrlResponse,
} from '@dagflow/server/contract';
import {
  assertEventStream,
  type FollowOptions,
  readRequestEvents,
} from './follow/request-events.js';
import { chunkEvents } from './follow/chunk-events.js';
import { untilBulkCompleted } from './progress.js';
import { pollResult } from './follow/result-poll.js';
import type { CommandTarget } from './command-target.js';

/** Times a chunk stream that broke off is opened again (after the last chunk seen) before giving up. */
const STREAM_RETRIES = 3;

/**
 * The CLI's request commands over the HTTP API (`DAGFLOW_URL`), sending `DAGFLOW_TOKEN` as bearer
 * token: for machines that may reach the server but not Redis. Errors keep the server's codes.
 */
export class HttpClient implements CommandTarget {
  readonly #base: string;

  constructor(
    base: string,
    private readonly token: string | undefined,
  ) {
    this.#base = base.replace(/\/+$/, '');
  }

  async execute(name: string, input: unknown, options: ExecuteOptions = {}): Promise<string> {
    const answer = (await this.#call('POST', `/flow/${enc(name)}`, {
      body: JSON.stringify(input ?? null),
      headers: options.requestId === undefined ? {} : { 'x-request-id': options.requestId },
    }).then((response) => response.json())) as ExecuteResponse;
    // A batched flow's answer has the input's position in the batch (as ExecuteOptions.onBatched).
    if (answer.position !== undefined)
      options.onBatched?.({ requestId: answer.requestId, position: answer.position });
    return answer.requestId;
  }

  async state(name: string, requestId: string): Promise<RequestState> {
    return (await this.#json(`/flow/${enc(name)}/requests/${enc(requestId)}`)) as RequestState;
  }

  /** Polls the result until the request finished or `timeoutMs` ran out (`WAIT_TIMEOUT`). */
  async waitForResult(
    name: string,
    requestId: string,
    options: WaitOptions = {},
  ): Promise<unknown> {
    const path = `/flow/${enc(name)}/requests/${enc(requestId)}/result`;
    return pollResult(() => this.#call('GET', path), { flow: name, requestId, ...options });
  }

  /**
   * Follows the request's live stream (`GET /flow/:name/requests/:id/events`) until it ends;
   * resolves with its final status.
   * @throws EventStreamError when the server answers no event stream or the stream breaks off
   */
  async follow(name: string, requestId: string, options: FollowOptions): Promise<string> {
    const path = `/flow/${enc(name)}/requests/${enc(requestId)}/events`;
    const response = await this.#call('GET', path, {
      headers: { accept: 'text/event-stream' },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return readRequestEvents(assertEventStream(response), options.onState);
  }

  /**
   * The request's chunks (`GET /flow/:name/requests/:id/stream`), in order, until it ends; a stream
   * that breaks off is opened again after the last chunk seen (`Last-Event-ID`), up to 3 times.
   * @throws DagflowError `REQUEST_NOT_FOUND`, or the code the server ended the stream with
   */
  async *stream(
    name: string,
    requestId: string,
    options: StreamOptions = {},
  ): AsyncGenerator<StreamChunk, void, undefined> {
    const query = options.node === undefined ? '' : `?node=${enc(options.node)}`;
    const path = `/flow/${enc(name)}/requests/${enc(requestId)}/stream${query}`;
    let last = options.from ?? 0;
    for (let attempt = 0; ; attempt++) {
      const response = await this.#call('GET', path, {
        headers: { accept: 'text/event-stream', 'last-event-id': String(last) },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const events = chunkEvents(assertEventStream(response));
      let next = await events.next();
      while (next.done !== true) {
        last = next.value.seq;
        yield next.value;
        next = await events.next();
      }
      if (next.value === 'end') return;
      if (attempt >= STREAM_RETRIES) {
        throw new DagflowError(
          ErrorCode.INTERNAL_ERROR,
          `The chunk stream of request ${requestId} broke off ${STREAM_RETRIES + 1} times (last chunk seen: ${last}).`,
        );
      }
    }
  }

  pause(name: string, requestId: string): Promise<void> {
    return this.#control(name, requestId, 'pause');
  }

  resume(name: string, requestId: string): Promise<void> {
    return this.#control(name, requestId, 'resume');
  }

  stop(name: string, requestId: string): Promise<void> {
    return this.#control(name, requestId, 'stop');
  }

  async rerun(name: string, requestId: string, options: RerunOptions = {}): Promise<void> {
    // `{from, input}` for a rerun from a node, else the failed nodes' new input, if any.
    const body = options.from === undefined ? options.input : options;
    const init = body === undefined ? {} : { body: JSON.stringify(body) };
    await this.#call('POST', `/flow/${enc(name)}/requests/${enc(requestId)}/rerun`, init);
  }

  async startBulk(name: string, filter: BulkFilter, action: BulkAction): Promise<{ id: string }> {
    const body = JSON.stringify({ action, filter });
    const answer = await this.#call('POST', `/flow/${enc(name)}/requests/bulk`, { body });
    return answer.json() as Promise<{ id: string }>;
  }

  bulk(n: string, f: BulkFilter, a: BulkAction, o: { dryRun: true }): Promise<BulkDryRun>;
  bulk(n: string, f: BulkFilter, a: BulkAction, o?: { dryRun?: false }): Promise<BulkProgress>;
  async bulk(
    name: string,
    filter: BulkFilter,
    action: BulkAction,
    options: { readonly dryRun?: boolean } = {},
  ): Promise<BulkProgress | BulkDryRun> {
    if (options.dryRun === true) {
      const body = JSON.stringify({ action, filter, dryRun: true });
      const answer = await this.#call('POST', `/flow/${enc(name)}/requests/bulk`, { body });
      return answer.json() as Promise<BulkDryRun>;
    }
    const { id } = await this.startBulk(name, filter, action);
    return untilBulkCompleted(() => this.bulkProgress(name, id));
  }

  async bulkProgress(name: string, id: string): Promise<BulkProgress> {
    return (await this.#json(`/flow/${enc(name)}/requests/bulk/${enc(id)}`)) as BulkProgress;
  }

  async flows(): Promise<FlowInfo[]> {
    return [...((await this.#json('/flows')) as FlowListResponse).flows];
  }

  async describe(name: string, version?: string): Promise<DagDescription> {
    if (version !== undefined)
      return (await this.#json(`/flows/${enc(name)}/versions/${enc(version)}`)) as DagDescription;
    return ((await this.#json(`/flows/${enc(name)}`)) as FlowDetailResponse).dag;
  }

  async schedule(name: string, options: ScheduleOptions): Promise<ScheduleInfo> {
    const { id, ...body } = options;
    const path = `/flows/${enc(name)}/schedules/${enc(id)}`;
    return (
      await this.#call('PUT', path, { body: JSON.stringify(body) })
    ).json() as Promise<ScheduleInfo>;
  }

  async unschedule(name: string, id: string): Promise<void> {
    await this.#call('DELETE', `/flows/${enc(name)}/schedules/${enc(id)}`);
  }

  async listSchedules(name: string): Promise<ScheduleInfo[]> {
    const path = `/flows/${enc(name)}/schedules`;
    return ((await this.#json(path)) as { schedules: ScheduleInfo[] }).schedules;
  }

  async versions(name: string): Promise<FlowVersionInfo[]> {
    const path = `/flows/${enc(name)}/versions`;
    return [...((await this.#json(path)) as FlowVersionListResponse).versions];
  }

  async migrate(name: string, requestId: string): Promise<MigrationResult> {
    const path = `/flow/${enc(name)}/requests/${enc(requestId)}/migrate`;
    return (await this.#call('POST', path)).json() as Promise<MigrationResponse>;
  }

  async migrateAll(name: string, options: { readonly from: string }): Promise<BulkMigrationResult> {
    const path = `/flow/${enc(name)}/requests/migrate?from=${enc(options.from)}`;
    return (await this.#call('POST', path)).json() as Promise<BulkMigrationResponse>;
  }

  async emit(event: string, data: unknown): Promise<EmitResult> {
    const answer = await this.#call('POST', `/events/${enc(event)}`, {
      body: JSON.stringify(data),
    });
    return answer.json() as Promise<EmitResponse>;
  }

  async signalUrl(
    name: string,
    requestId: string,
    signal: string,
    options: SignalUrlOptions = {},
  ): Promise<string> {
    const query = options.expiresInMs === undefined ? '' : `?expiresInMs=${options.expiresInMs}`;
    const path = `/flow/${enc(name)}/requests/${enc(requestId)}/signals/${enc(signal)}/url${query}`;
    return ((await (await this.#call('POST', path)).json()) as SignalUrlResponse).url;
  }

  async #control(name: string, requestId: string, command: string): Promise<void> {
    await this.#call('POST', `/flow/${enc(name)}/requests/${enc(requestId)}/${command}`);
  }

  async #json(path: string): Promise<unknown> {
    return (await this.#call('GET', path)).json();
  }

  /** One call; a non-2xx answer throws its `DagflowError`, an unreachable server says so. */
  async #call(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers: {
        ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
    }).catch((error: unknown) => {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new Error(`Cannot reach DAGFLOW_URL ${this.#base}: ${cause ?? String(error)}`, {
        cause: error,
      });
    });
    if (response.ok) return response;
    const body = (await response.json().catch(() => undefined)) as
      Partial<ErrorResponse> | undefined;
    const error = body?.error;
    throw new DagflowError(
      error?.code ?? ErrorCode.INTERNAL_ERROR,
      error?.message ?? `${method} ${path} answered HTTP ${response.status}.`,
      error?.details === undefined ? undefined : { details: error.details },
    );
  }
}

const enc = encodeURIComponent;
