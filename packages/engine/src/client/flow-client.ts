import type { WorkerInfo } from '../worker-directory.js';
import type { FlowChange, RequestChange, Unwatch } from './request-watch.js';
import { type DagDescription, DagflowError, ErrorCode } from '@dagflow/flow';
import { encode } from '../codec.js';
import { type FlowServiceOptions, type ResolvedOptions, resolveOptions } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { PlanSource } from '../plan-source.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { ServiceResources } from '../service-resources.js';
import { Keys } from '../store/keys.js';
import type { ExecuteOptions, FlowInfo, NodeDetail, RequestState } from '../types.js';
import { FlowHandle } from './flow-handle.js';
import { nodeDetailOf } from './node-detail.js';
import {
  executeRequest,
  nodeOutputOf,
  planOfRequest,
  requestResult,
  requestState,
  waitForRequest,
} from './request-api.js';
import { controlRequest } from './request-control.js';
import type { Ending } from '../request-ended.js';
import type { ControlCommand } from '../store/state-results.js';
import type { ListRequestsOptions, RequestPage } from './request-index.js';
import type { RerunOptions, WaitOptions } from './request-options.js';
import { listFlows } from './flow-list.js';
import { deliverSignal } from './signals.js';
import { reachChildren, wakeParent } from '../child-links.js';

type ParentSteps = { readonly requestId: string; readonly steps: readonly string[] };
import {
  type ScheduleInfo,
  type ScheduleOptions,
  listSchedules,
  removeSchedule,
  upsertSchedule,
} from './schedules.js';

/** Options of a {@link FlowClient}: where requests live. */
export type FlowClientOptions = Pick<
  FlowServiceOptions,
  'redisUrl' | 'prefix' | 'retention' | 'closeTimeoutMs' | 'maxForEachItems' | 'logLevel' | 'logger'
>;

/**
 * Starts and watches requests of flows that workers elsewhere serve (their definitions are read from
 * the registry in Redis): execute, state, result, wait, node detail, list, and the lifecycle commands.
 * It runs no worker and no HTTP server; `FlowService` is a `FlowClient` that also does both.
 *
 * @example
 * ```ts
 * const client = new FlowClient({ redisUrl: 'redis://127.0.0.1:6379' });
 * const id = await client.execute('kyc', { userId: 42 });
 * console.log(await client.waitForResult('kyc', id));
 * await client.close();
 * ```
 */
export class FlowClient {
  readonly options: ResolvedOptions;
  readonly log: Logger;
  /** @internal The Redis-backed parts, shared with a service's workers. */
  protected readonly res: ServiceResources;
  /** @internal Flow plans: registered in this process, or read from the registry. */
  protected readonly plans: PlanSource;
  #closing: Promise<void> | undefined;

  /** Reads configuration only; connections open on first use. */
  constructor(options: FlowClientOptions = {}) {
    this.options = resolveOptions(options);
    const { logLevel, prefix, logger } = this.options;
    this.log = createLogger(logLevel, { prefix }, logger);
    this.res = new ServiceResources(this.options, new Keys(this.options.prefix), this.log);
    this.plans = new PlanSource(
      () => this.res.registry,
      () => ({ maxForEachItems: this.options.maxForEachItems }),
    );
  }

  /**
   * Starts a request and answers its id at once. Executing twice with one `requestId` runs it once.
   * @throws DagflowError `FLOW_NOT_FOUND`, `INVALID_REQUEST_ID`, `INVALID_OUTPUT` (input cannot be stored),
   *   `INVALID_INPUT` (with `details.issues`) when the input fails the flow's `input` schema
   */
  async execute(name: string, input: unknown, options: ExecuteOptions = {}): Promise<string> {
    this.assertOpen();
    return executeRequest(this.res, await this.plans.get(name), input, options);
  }

  /**
   * A handle on one flow's requests, typed with the input and result types you give (e.g.
   * `FlowInput<typeof signupFlow>` and `FlowResult<typeof signupFlow>` of a `typedFlow`).
   */
  flow<Input = unknown, Result = unknown>(name: string): FlowHandle<Input, Result> {
    return new FlowHandle(name, this);
  }

  /**
   * The request's state: status, timings, and every node's status, attempts and error.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   */
  async state(name: string, requestId: string): Promise<RequestState> {
    return requestState(this.res, this.plans, name, requestId);
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
   * Pauses a request: running nodes finish, ready successors are held instead of enqueued.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless pending or running
   */
  async pause(name: string, requestId: string): Promise<void> {
    await this.#control(name, requestId, 'pause');
  }

  /**
   * Resumes a paused request: held steps are enqueued; completed nodes never run again.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless paused
   */
  async resume(name: string, requestId: string): Promise<void> {
    await this.#control(name, requestId, 'resume');
  }

  /**
   * Stops a request: waiting jobs are removed, running handlers see `ctx.signal` aborted, no new node
   * starts, and compensations run.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless pending, running or paused
   */
  async stop(name: string, requestId: string): Promise<void> {
    await this.#control(name, requestId, 'stop');
  }

  /**
   * Runs a failed or stopped request again from its failed and unfinished nodes, with the same id;
   * completed nodes keep their outputs and never run again. `input` replaces the failed nodes' input.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless failed or stopped
   */
  async rerun(name: string, requestId: string, options: RerunOptions = {}): Promise<void> {
    await this.#control(
      name,
      requestId,
      'input' in options ? { rerunWith: encode(options.input) } : 'rerun',
    );
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
   * Calls `listener` whenever a request of the flow is created (`pending`) or changes status.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async watchFlow(name: string, listener: (change: FlowChange) => void): Promise<Unwatch> {
    await this.plans.get(name);
    return this.res.watch.watchFlow(name, listener);
  }

  /**
   * Delivers a signal to the signal node `signal` (its node path, e.g. `approve`) of a request: the node
   * completes with `payload` once reached (at once if it waits). Each signal node takes one signal.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `SIGNAL_NOT_FOUND`,
   *   `SIGNAL_ALREADY_DELIVERED`
   * @example
   * ```ts
   * await client.signal('expense', requestId, 'approve', { by: 'ana' });
   * ```
   */
  async signal(name: string, requestId: string, signal: string, payload: unknown): Promise<void> {
    this.assertOpen();
    await deliverSignal(this.res, this.plans, { flow: name, requestId, signal }, payload);
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
   * Starts a request of the flow on a schedule (`cron` or `everyMs`), with `input`, until
   * {@link unschedule}: one request per tick however many processes run, each an ordinary request with
   * id `s.<id>.<tick ms>`. A worker of the flow turns ticks into requests, so ticks wait while none
   * runs. Scheduling again with the same id replaces the schedule.
   * @example
   * ```ts
   * await client.schedule('report', { id: 'nightly', cron: '0 2 * * *', tz: 'Europe/Paris', input: {} });
   * ```
   * @throws DagflowError `FLOW_NOT_FOUND`, `INVALID_SCHEDULE`
   */
  async schedule(name: string, options: ScheduleOptions): Promise<ScheduleInfo> {
    this.assertOpen();
    await this.plans.get(name);
    await upsertSchedule(this.res.queues, name, options);
    const info = (await listSchedules(this.res.queues, name)).find((s) => s.id === options.id);
    return info ?? { ...options, input: options.input ?? null };
  }

  /**
   * Removes a schedule; requests it started go on.
   * @throws DagflowError `FLOW_NOT_FOUND`, `SCHEDULE_NOT_FOUND`
   */
  async unschedule(name: string, id: string): Promise<void> {
    this.assertOpen();
    await this.plans.get(name);
    if (!(await removeSchedule(this.res.queues, name, id))) {
      throw new DagflowError(
        ErrorCode.SCHEDULE_NOT_FOUND,
        `Flow '${name}' has no schedule '${id}'; list them with listSchedules().`,
        { details: { flow: name, id } },
      );
    }
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
   * Live worker processes (any flow): host, pid, version, last heartbeat, the queues they serve and
   * the nodes they run now.
   */
  async workers(): Promise<WorkerInfo[]> {
    return this.res.directory.list();
  }

  /**
   * The JSON description of a flow's DAG.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async describe(name: string): Promise<DagDescription> {
    return (await this.plans.get(name)).description;
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

  /** @internal Aborts this process's running attempts of a stopped request (a client runs none). */
  protected abortRunning(_requestKey: string): void {}

  /** @internal Called when a lifecycle command ended a request (a service counts it in its metrics). */
  protected requestEnded(_flow: string, _ending: Ending): void {}

  /** @internal Throws `SERVICE_CLOSED` once {@link close} was called. */
  protected assertOpen(): void {
    if (this.closed) {
      throw new DagflowError(
        ErrorCode.SERVICE_CLOSED,
        `The ${this.constructor.name} is closed; create a new one.`,
      );
    }
  }

  async #control(
    name: string,
    requestId: string,
    command: ControlCommand | { readonly rerunWith: string },
  ): Promise<void> {
    const plan: FlowPlan = await planOfRequest(this.res, this.plans, name, requestId);
    const deps = {
      store: this.res.store,
      queues: this.res.queues,
      slots: this.res.slots,
      abortRunning: (key: string) => this.abortRunning(key),
      ended: (flow: string, ending: Ending) => this.requestEnded(flow, ending),
      wakeParent: (flow: string, id: string) =>
        wakeParent(this.res, this.plans, { flow, requestId: id }),
      reachChildren: (child: 'stop' | 'rerun', parent: FlowPlan, steps: ParentSteps) =>
        reachChildren((flow, id) => this.#control(flow, id, child), parent, steps),
    };
    await controlRequest(deps, plan, requestId, command);
  }
}
