import { DagflowError, ErrorCode } from '@dagflow/flow';
import { encode } from '../format/codec.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { Ending } from '../queue/request-ended.js';
import type { ControlCommand, StopReason } from '../store/state-results.js';
import { executeSingleton, singletonOf } from '../run-guards/singleton-runs.js';
import type { ExecuteOptions } from '../types/types.js';
import { FlowHandle } from './flow-handle.js';
import { FlowReader } from './flow-reader.js';
import { executeRequest, planOfRequest } from '../client/request-api.js';
import { type ControlDeps, clientControlDeps, controlRequest } from '../client/request-control.js';
import { rerunFrom } from '../maintenance/rerun-from.js';
import type { BulkAction, BulkFilter } from '../maintenance/bulk-filter.js';
import type { BulkDryRun, BulkProgress } from '../maintenance/bulk-progress.js';
import { BulkRunner, bulkNotFound } from '../maintenance/bulk-runner.js';
import type { ServiceResources } from '../resources/service-resources.js';
import type { RerunOptions } from '../client/request-options.js';
import {
  type ScheduleInfo,
  type ScheduleOptions,
  listSchedules,
  removeSchedule,
  upsertSchedule,
} from '../client/schedules.js';
import { deliverSignal } from '../client/signals.js';
import { type EmitResult, emitEvent } from '../events/event-emit.js';
import {
  type SignalClaims,
  type SignalUrlOptions,
  signalByUrl,
  signalUrl,
  verifyToken,
} from '../events/signal-urls.js';
import { migrateRequest, migrateVersion } from '../client/request-migration.js';
import type { BulkMigrationResult, MigrationResult } from '../types/version-types.js';

export type { FlowClientOptions } from './flow-reader.js';

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
export class FlowClient extends FlowReader {
  #bulk: BulkRunner | undefined;

  /**
   * Starts a request and answers its id at once. Executing twice with one `requestId` runs it once.
   * @throws DagflowError `FLOW_NOT_FOUND`, `INVALID_REQUEST_ID`, `INVALID_OUTPUT` (input cannot be stored),
   *   `INVALID_INPUT` (with `details.issues`) when the input fails the flow's `input` schema
   */
  async execute(name: string, input: unknown, options: ExecuteOptions = {}): Promise<string> {
    this.assertOpen();
    const plan = await this.plans.get(name);
    if (singletonOf(plan, options) === undefined)
      return executeRequest(this.res, plan, input, options);
    const stop = (id: string, reason: StopReason) => this.stopWith(name, id, reason);
    return executeSingleton({ res: this.res, stop }, plan, { input, options });
  }

  /**
   * A handle on one flow's requests, typed with the input and result types you give (e.g.
   * `FlowInput<typeof signupFlow>` and `FlowResult<typeof signupFlow>` of a `typedFlow`).
   */
  flow<Input = unknown, Result = unknown>(name: string): FlowHandle<Input, Result> {
    return new FlowHandle(name, this);
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
   * With `from` (a top-level node), a completed, failed or stopped request runs again from that node:
   * it and every node downstream of it run again (`input` replaces that node's input), nodes upstream
   * keep their outputs; the state records it in `reruns`.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless failed or
   *   stopped (with `from`: completed, failed or stopped), `UNKNOWN_NODE` for a `from` that is no
   *   top-level node
   * @example
   * ```ts
   * await client.rerun('kyc', requestId, { from: 'face-match', input: { threshold: 0.8 } });
   * ```
   */
  async rerun(name: string, requestId: string, options: RerunOptions = {}): Promise<void> {
    if (options.from !== undefined) {
      const plan = await planOfRequest(this.res, this.plans, name, requestId);
      const { from } = options;
      await rerunFrom(this.#deps(), plan, requestId, {
        from,
        ...('input' in options ? { input: options.input } : {}),
      });
      return;
    }
    await this.#control(
      name,
      requestId,
      'input' in options ? { rerunWith: encode(options.input) } : 'rerun',
    );
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
   * A URL that delivers the signal node `signal` of a request once, without a bearer token: `POST` to
   * it (the body is the payload) answers as `POST /flow/:name/requests/:id/signals/:signal` would.
   * Signed with the first key of `DAGFLOW_SIGNING_KEY`; expired, reused or altered URLs are refused
   * (`SIGNAL_URL_EXPIRED`, `SIGNAL_URL_USED`, `SIGNAL_URL_INVALID`).
   * @throws DagflowError `SIGNING_KEY_MISSING` when no signing key is configured, `INVALID_INPUT` for a bad
   *   expiry
   * @example
   * ```ts
   * const url = client.signalUrl('expense', requestId, 'approve', { expiresInMs: 3_600_000 });
   * ```
   */
  signalUrl(name: string, requestId: string, signal: string, options?: SignalUrlOptions): string {
    const { signing } = this.options;
    const listening = signing.publicUrlGiven ? undefined : this.listenUrl;
    const base = listening === undefined ? signing : { ...signing, publicUrl: listening };
    return signalUrl(base, { flow: name, requestId, signal }, options);
  }

  /** The HTTP server's URL on its listen address, in a service that started one. */
  protected get listenUrl(): string | undefined {
    return undefined;
  }

  /**
   * The claims of a signal URL's token (whom it signals, its key id), if one of the keys signed it
   * and it has not expired; nothing is read or written.
   * @throws DagflowError `SIGNAL_URL_INVALID`, `SIGNAL_URL_EXPIRED`
   */
  verifySignalUrl(token: string): SignalClaims {
    return verifyToken(this.options.signing, token);
  }

  /**
   * Delivers the signal a signal URL's token names (see {@link signalUrl}), once.
   * @throws DagflowError `SIGNAL_URL_INVALID`, `SIGNAL_URL_EXPIRED`, `SIGNAL_URL_USED`, and those of
   *   {@link signal}
   */
  async signalByUrl(token: string, payload: unknown): Promise<SignalClaims> {
    this.assertOpen();
    const { res, plans } = this;
    return signalByUrl({ res, plans, signing: this.options.signing }, token, payload);
  }

  /**
   * Emits an event: each step waiting for it (`dag.waitFor`) whose match its data satisfies
   * completes with `data`, once; the cost does not grow with the number of waiting steps.
   * @throws DagflowError `INVALID_INPUT` for an event name not of 1-100 `[A-Za-z0-9_.-]`
   * @example
   * ```ts
   * await client.emit('payment.succeeded', { orderId: 'o-17', cents: 1200 });
   * ```
   */
  async emit(event: string, data: unknown): Promise<EmitResult> {
    this.assertOpen();
    return emitEvent(this.res, this.plans, event, data);
  }

  /**
   * Starts a request of the flow on a schedule (`cron` or `everyMs`), with `input`, until
   * {@link unschedule}: one request per tick however many processes run, each an ordinary request with
   * id `s~<id>.<tick ms>` (a form no caller-supplied id can have). A worker of the flow turns ticks
   * into requests, so ticks wait while none runs. Scheduling again with the same id replaces the schedule.
   * @example
   * ```ts
   * await client.schedule('report', { id: 'nightly', cron: '0 2 * * *', tz: 'Europe/Paris', input: {} });
   * ```
   * @throws DagflowError `FLOW_NOT_FOUND`, `INVALID_SCHEDULE` (also over the quotas
   *   `maxSchedulesPerFlow` and `minScheduleIntervalMs`)
   */
  async schedule(name: string, options: ScheduleOptions): Promise<ScheduleInfo> {
    this.assertOpen();
    await this.plans.get(name);
    const { maxSchedulesPerFlow: maxPerFlow, minScheduleIntervalMs: minIntervalMs } = this.options;
    await upsertSchedule(this.res.queues, name, { options, limits: { maxPerFlow, minIntervalMs } });
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
   * Moves a request to its flow's current version (shape): nodes completed under the same id keep their
   * outputs, nodes the new shape lacks are dropped, nodes new to it run once their parents are done.
   * A running, pending, paused, failed or stopped request may be migrated; it keeps its status (a paused
   * one runs its released nodes on `resume`, a failed or stopped one on `rerun`). The migration is
   * recorded in the request's state (`migrations`).
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` for a completed
   *   request, `MIGRATION_REFUSED` (with `details.reason` and `details.nodes`) when the new shape cannot
   *   apply as the request stands; nothing changed then
   * @example
   * ```ts
   * const { from, to, released } = await client.migrate('order', requestId);
   * ```
   */
  async migrate(name: string, requestId: string): Promise<MigrationResult> {
    this.assertOpen();
    return migrateRequest({ res: this.res, plans: this.plans }, name, requestId);
  }

  /**
   * Migrates every request of the flow on version `from` (of its newest 5,000) that may be migrated,
   * one after the other; see {@link migrate}.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async migrateAll(name: string, options: { readonly from: string }): Promise<BulkMigrationResult> {
    this.assertOpen();
    return migrateVersion({ res: this.res, plans: this.plans }, name, options.from);
  }

  /**
   * Applies `action` to every request of the flow that matches `filter` (and that the action applies
   * to: `rerun` takes failed and stopped requests, `stop` pending, running and paused ones, `resume`
   * paused ones, `migrate` those on another version than the current, `delete` finished ones and
   * refuses the others with `INVALID_TRANSITION`), and resolves once done. It runs as a job of
   * dagflow's own queue, in batches over the flow's request index: a process that dies leaves it to
   * another (any process that serves flows runs them), and a request gets the action at most once.
   * With `{ dryRun: true }` it only counts.
   * @throws DagflowError `FLOW_NOT_FOUND`
   * @example
   * ```ts
   * const { matched, done, failed } = await service.bulk('kyc', { status: 'failed', errorCode: 'HTTP_5XX' }, 'rerun');
   * ```
   */
  async bulk(n: string, f: BulkFilter, a: BulkAction, o: { dryRun: true }): Promise<BulkDryRun>;
  async bulk(
    n: string,
    f: BulkFilter,
    a: BulkAction,
    o?: { dryRun?: false },
  ): Promise<BulkProgress>;
  async bulk(
    name: string,
    filter: BulkFilter,
    action: BulkAction,
    options: { readonly dryRun?: boolean } = {},
  ): Promise<BulkProgress | BulkDryRun> {
    if (options.dryRun === true) {
      await this.plans.get(name);
      return { dryRun: true, matched: await this.#bulkRunner().count(name, filter, action) };
    }
    const { id } = await this.startBulk(name, filter, action);
    return this.#bulkRunner().wait(name, id);
  }

  /**
   * Starts a bulk action (see {@link bulk}) and answers its id at once; follow it with
   * {@link bulkProgress}.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async startBulk(name: string, filter: BulkFilter, action: BulkAction): Promise<{ id: string }> {
    this.assertOpen();
    await this.plans.get(name);
    const runner = this.#bulkRunner();
    if (this.options.bulkRunner) runner.start();
    return { id: await runner.submit(name, filter, action) };
  }

  /**
   * A bulk action's progress: matched, done, failed, the first failures' codes.
   * @throws DagflowError `BULK_NOT_FOUND`
   */
  async bulkProgress(name: string, id: string): Promise<BulkProgress> {
    const progress = await this.#bulkRunner().store.read(name, id);
    if (progress === undefined) throw bulkNotFound(name, id);
    return progress;
  }

  /** @internal Runs bulk actions in this process (a service does once it serves flows). */
  protected startBulkRunner(): void {
    if (this.options.bulkRunner) this.#bulkRunner().start();
  }

  #bulkRunner(): BulkRunner {
    this.#bulk ??= new BulkRunner({
      res: this.res,
      plans: this.plans,
      log: this.log,
      apply: async (action, flow, id) =>
        action === 'migrate'
          ? void (await this.migrate(flow, id))
          : this.#control(flow, id, action),
    });
    return this.#bulk;
  }

  /** @internal Stops running bulk actions here (another process takes them over), then closes. */
  protected override async shutdown(): Promise<void> {
    await this.#bulk?.close();
    await super.shutdown();
  }

  /**
   * @internal Stops a live request with the engine's reason (a deadline, a newer singleton request);
   * false when it was not live (ended, unknown, or started when `reason.unstarted`).
   */
  protected async stopWith(name: string, requestId: string, reason: StopReason): Promise<boolean> {
    try {
      await this.#control(name, requestId, { stopWith: reason });
      return true;
    } catch (error) {
      const code = error instanceof DagflowError ? error.code : undefined;
      if (code === ErrorCode.INVALID_TRANSITION || code === ErrorCode.REQUEST_NOT_FOUND)
        return false;
      throw error;
    }
  }

  /** @internal Aborts this process's running attempts of a stopped request (a client runs none). */
  protected abortRunning(_requestKey: string): void {}

  /** @internal Called when a lifecycle command ended a request (a service counts it in its metrics). */
  protected requestEnded(_flow: string, _ending: Ending): void {}

  async #control(
    name: string,
    requestId: string,
    command: ControlCommand | { readonly rerunWith: string } | { readonly stopWith: StopReason },
  ): Promise<void> {
    const plan: FlowPlan = await planOfRequest(this.res, this.plans, name, requestId);
    await controlRequest(this.#deps(), plan, requestId, command);
  }

  #deps(): ControlDeps & { readonly res: ServiceResources } {
    return clientControlDeps(this.res, this.plans, {
      abortRunning: (key) => this.abortRunning(key),
      ended: (flow, ending) => this.requestEnded(flow, ending),
      control: (flow, id, command) => this.#control(flow, id, command),
    });
  }
}
