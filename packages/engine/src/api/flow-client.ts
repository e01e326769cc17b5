import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { StopReason } from '../store/state-results.js';
import { executeSingleton, singletonOf } from '../run-guards/singleton-runs.js';
import type { ExecuteOptions } from '../types/types.js';
import { FlowHandle } from './flow-handle.js';
import { executeRequest } from '../client/start/request-start.js';
import type { BulkAction, BulkFilter } from '../maintenance/bulk-filter.js';
import type { BulkDryRun, BulkProgress } from '../maintenance/bulk-progress.js';
import { BulkRunner, bulkNotFound } from '../maintenance/bulk-runner.js';
import {
  type ScheduleInfo,
  type ScheduleOptions,
  listSchedules,
  removeSchedule,
  upsertSchedule,
} from '../client/schedules.js';
import { migrateRequest, migrateVersion } from '../client/request-migration.js';
import type { BulkMigrationResult, MigrationResult } from '../types/version-types.js';
import { FlowCommands } from './flow-commands.js';
import { type ResultText, waitForRequestText } from '../client/request-api.js';
import type { WaitOptions } from '../client/request-options.js';

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
export class FlowClient extends FlowCommands {
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
   * {@link waitForResult} answering the result as an HTTP answer sends it: `{ json }`, the value's JSON
   * text, or `{ bytes }` for a binary result. A stored JSON result is answered as stored, not decoded.
   * @throws DagflowError `REQUEST_FAILED`, `REQUEST_STOPPED`, `WAIT_TIMEOUT`, `REQUEST_NOT_FOUND`
   */
  async waitForResultText(
    name: string,
    requestId: string,
    options: WaitOptions = {},
  ): Promise<ResultText> {
    const target = { flow: name, requestId };
    return waitForRequestText(this.res, this.plans, target, options.timeoutMs ?? 30_000);
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
        action === 'migrate' ? void (await this.migrate(flow, id)) : this.control(flow, id, action),
    });
    return this.#bulk;
  }

  /** @internal Stops running bulk actions here (another process takes them over), then closes. */
  protected override async shutdown(): Promise<void> {
    await this.#bulk?.close();
    await super.shutdown();
  }
}
