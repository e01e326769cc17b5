import { type DagDescription, DagflowError, ErrorCode } from '@dagflow/flow';
import type { ClientConfig } from '../config/client-config.js';
import type { ClientSettings } from '../config/client-settings.js';
import { type ConfigSource, type LoadedConfig, loadConfig } from '../config/load-config.js';
import { createLogger, type Logger } from '../infra/logger.js';
import { PlanSource } from '../registry/plan-source.js';
import { ServiceResources } from '../resources/service-resources.js';
import { Keys } from '../format/keys.js';
import {
  type NodePageOptions,
  type RequestStatePage,
  readStatePage,
} from '../store/reads/state-pages.js';
import type { FlowInfo, NodeDetail, RequestState } from '../types/types.js';
import type { FlowVersionInfo } from '../types/version-types.js';
import type { WorkerInfo } from '../registry/worker-directory.js';
import { listFlows } from '../client/flow-list.js';
import { listVersions } from '../client/flow-versions.js';
import { nodeDetailOf } from '../client/node-detail.js';
import {
  nodeOutputOf,
  notFound,
  planOfRequest,
  requestResult,
  requestState,
  waitForRequest,
} from '../client/request-api.js';
import type { ListRequestsOptions, RequestPage } from '../resources/request-index.js';
import type { WaitOptions } from '../client/request-options.js';
import type { FlowChange, RequestChange, Unwatch } from '../resources/request-watch.js';
import { type LiveUpdate, type LiveView, LiveViews } from '../client/live-views.js';
import { type ScheduleInfo, listSchedules } from '../client/schedules.js';
import { type StreamOptions, streamChunks } from '../client/request-streams.js';
import type { StreamChunk } from '../store/reads/chunk-reads.js';

/**
 * Options of a {@link FlowClient}: where requests live, and optionally the environment to read
 * instead of `process.env`. Each option wins over its environment variable, which wins over the
 * default; a client reads only the client variables (never `PORT` or a worker's).
 */
export interface FlowClientOptions extends ClientSettings, ConfigSource {}

/**
 * The reading side of a {@link FlowClient}: its connections and plans, and everything that
 * reads or watches requests, flows and workers without changing them (state, results, node detail,
 * waiting, listings, live changes, schedules, workers). `FlowClient` adds the commands.
 */
export class FlowReader {
  /** The client part of the configuration, resolved at construction. */
  readonly options: ClientConfig;
  readonly log: Logger;
  /** @internal The process's configuration; a service resolves its other parts from it at start. */
  protected readonly config: LoadedConfig;
  /** @internal The Redis-backed parts, shared with a service's workers. */
  protected readonly res: ServiceResources;
  /** @internal Flow plans: registered in this process, or read from the registry. */
  protected readonly plans: PlanSource;
  #closing: Promise<void> | undefined;
  #live: LiveViews | undefined;

  /**
   * Reads configuration only (the client part, from `options.env` or `process.env` once); connections
   * open on first use.
   * @throws DagflowError `INVALID_CONFIG` naming a malformed client option or variable
   */
  constructor(options: FlowClientOptions = {}) {
    this.config = loadConfig(options.env);
    this.options = this.config.client(options);
    const { logLevel, prefix, logger } = this.options;
    this.log = createLogger(logLevel, { prefix }, logger);
    this.res = new ServiceResources(this.options, new Keys(this.options.prefix), this.log);
    this.plans = new PlanSource(
      () => this.res.registry,
      () => ({ maxForEachItems: this.options.maxForEachItems }),
    );
  }

  /**
   * The request's state: status, timings, and every node's status, attempts and error.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   */
  async state(name: string, requestId: string): Promise<RequestState> {
    return requestState(this.res, this.plans, name, requestId);
  }

  /**
   * The request's state with one page of its nodes (those whose path starts with `page.nodes`), for
   * requests too large to read whole (a for-each of 100,000 items): pass each answer's `cursor` to get
   * the next page; the last page has none. See `store/state-pages.ts` for what a page lists.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   * @example
   * ```ts
   * let page = await client.statePage('batch', id, { nodes: 'each[' });
   * while (page.cursor !== undefined) page = await client.statePage('batch', id, { nodes: 'each[', cursor: page.cursor });
   * ```
   */
  async statePage(
    name: string,
    requestId: string,
    page: NodePageOptions,
  ): Promise<RequestStatePage> {
    const plan = await planOfRequest(this.res, this.plans, name, requestId);
    const state = await readStatePage(this.res.redis, this.res.keys, { plan, requestId }, page);
    if (state === undefined) throw notFound(name, requestId);
    return state;
  }

  /**
   * The result of a completed request: its terminal node's output, or `{ [nodeId]: output }` for several.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `REQUEST_NOT_FINISHED`, `REQUEST_FAILED`
   */
  async result(name: string, requestId: string): Promise<unknown> {
    return requestResult(this.res, this.plans, name, requestId);
  }

  /**
   * The stored output of one node of a request (`undefined` when it has none yet).
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   */
  async nodeOutput(name: string, requestId: string, path: string): Promise<unknown> {
    await this.plans.get(name);
    return nodeOutputOf(this.res, name, requestId, path);
  }

  /**
   * One node of a request: its state, its input and its output (each once it exists).
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `NODE_NOT_FOUND`
   */
  async nodeDetail(name: string, requestId: string, path: string): Promise<NodeDetail> {
    return nodeDetailOf(this.res, this.plans, { flow: name, requestId, path });
  }

  /**
   * Waits until the request finishes and answers its result.
   * @throws DagflowError `REQUEST_FAILED` with the failed node's details, `WAIT_TIMEOUT`, `REQUEST_NOT_FOUND`
   */
  async waitForResult(
    name: string,
    requestId: string,
    options: WaitOptions = {},
  ): Promise<unknown> {
    const target = { flow: name, requestId };
    return waitForRequest(this.res, this.plans, target, options.timeoutMs ?? 30_000);
  }

  /**
   * The chunks the request's handlers emit (`ctx.emit`), in order, as they come: from the first one
   * (or after seq `from`), until the request ends (with `node`: until that node completes or fails
   * for good), none lost or doubled. Each chunk names its node and attempt: the chunks of an attempt
   * that failed stay, and the next attempt's follow them. Holds no connection of its own.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND` (when iteration starts)
   * @example
   * ```ts
   * for await (const chunk of client.stream('chat', id)) process.stdout.write(String(chunk.data));
   * ```
   */
  stream(
    name: string,
    requestId: string,
    options: StreamOptions = {},
  ): AsyncGenerator<StreamChunk, void, undefined> {
    const known = () => this.plans.get(name);
    return streamChunks(this.res, { flow: name, requestId, known }, options);
  }

  /**
   * Calls `listener` for every change of a request from now on: a node starting, retrying, failing or
   * completing (`{ node, status }`), and the request's own status changes (`{ status }`), from Redis
   * pub/sub. Changes are hints to read {@link state} again; resolves with a function that stops.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async watch(
    name: string,
    requestId: string,
    listener: (change: RequestChange) => void,
  ): Promise<Unwatch> {
    await this.plans.get(name);
    return this.res.watch.watch(name, requestId, listener);
  }

  /**
   * Joins the live view of a request: answers its state now, then calls `listener` with each change
   * (`nodes`: the nodes whose state changed, as they are now; `request`: its status; `state`: the whole
   * state again after a resume or rerun), at most every 150 ms. A process reads a watched request once
   * and then only what changed, however many watch it; `close()` leaves the view.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   * @example
   * ```ts
   * const view = await client.watchState('kyc', id, (update) => console.log(update.kind));
   * console.log(view.state.status);
   * await view.close();
   * ```
   */
  async watchState(
    name: string,
    requestId: string,
    listener: (update: LiveUpdate) => void,
  ): Promise<LiveView> {
    this.#live ??= new LiveViews(this.res.redis, this.res.keys, this.res.watch, {
      read: (flow, id) => this.state(flow, id),
      plan: (flow, id) => planOfRequest(this.res, this.plans, flow, id),
    });
    return this.#live.open(name, requestId, listener);
  }

  /**
   * Calls `listener` whenever a request of the flow is created (`pending`) or changes status.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async watchFlow(name: string, listener: (change: FlowChange) => void): Promise<Unwatch> {
    await this.plans.get(name);
    return this.res.watch.watchFlow(name, listener);
  }

  /**
   * A page of the flow's requests, newest first, optionally of one status.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async listRequests(name: string, options: ListRequestsOptions = {}): Promise<RequestPage> {
    await this.plans.get(name);
    return this.res.index.list(name, options);
  }

  /**
   * The flow's schedules with their next run, by id.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async listSchedules(name: string): Promise<ScheduleInfo[]> {
    await this.plans.get(name);
    return listSchedules(this.res.queues, name);
  }

  /**
   * Every flow registered in this process or published to the registry by others, with the live
   * workers of each of its queues (`''`: the flow's own queue).
   */
  async flows(): Promise<FlowInfo[]> {
    return listFlows(this.res.registry, this.plans);
  }

  /**
   * Every published version of a flow, newest first, with its live requests and the live workers that
   * can run each of its nodes: a version with no live request (`drained`) is safe to switch off.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async versions(name: string): Promise<FlowVersionInfo[]> {
    await this.plans.get(name);
    return listVersions(this.res, this.plans, name);
  }

  /**
   * Live worker processes (any flow): host, pid, version, last heartbeat, the queues they serve and
   * the nodes they run now.
   */
  async workers(): Promise<WorkerInfo[]> {
    return this.res.directory.list();
  }

  /**
   * The JSON description of a flow's DAG: its current version's, or with `version` that published
   * version's (the shape a request started on it keeps to its end, see `RequestState.version`).
   * @throws DagflowError `FLOW_NOT_FOUND` when the flow, or that version of it, is unknown
   */
  async describe(name: string, version?: string): Promise<DagDescription> {
    const current = await this.plans.get(name);
    if (version === undefined || version === current.version) return current.description;
    return (await this.plans.described(name, version)).description;
  }

  /** Resolves when Redis answers PING; for health checks. */
  async ping(): Promise<void> {
    await this.res.redis.ping();
  }

  /** Closes every connection (a service first stops taking work). Safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= this.shutdown();
    return this.#closing;
  }

  /** @internal What {@link close} does; a service first closes its server and workers. */
  protected async shutdown(): Promise<void> {
    await this.res.close(this.options.closeTimeoutMs);
  }

  /** @internal Whether {@link close} was called. */
  protected get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** @internal Throws `SERVICE_CLOSED` once {@link close} was called. */
  protected assertOpen(): void {
    if (this.closed) {
      throw new DagflowError(
        ErrorCode.SERVICE_CLOSED,
        `The ${this.constructor.name} is closed; create a new one.`,
      );
    }
  }
}
