import type { DagDescription } from '@dagflow/flow';
import type { AuditLog } from '../registry/audit-log.js';
import type { BulkAction, BulkFilter } from '../maintenance/bulk-filter.js';
import type { BulkDryRun, BulkProgress } from '../maintenance/bulk-progress.js';
import type { EmitResult } from '../events/event-emit.js';
import type { SignalClaims, SignalUrlOptions } from '../events/signal-urls.js';
import type { ListRequestsOptions, RequestPage } from '../resources/request-index.js';
import type { RerunOptions, WaitOptions } from '../client/request-options.js';
import type { ResultText } from '../client/request-api.js';
import type { FlowChange, RequestChange, Unwatch } from '../resources/request-watch.js';
import type { LiveUpdate, LiveView } from '../client/live-views.js';
import type { NodePageOptions, RequestStatePage } from '../store/reads/state-pages.js';
import type { ScheduleInfo, ScheduleOptions } from '../client/schedules.js';
import type { StreamOptions } from '../client/request-streams.js';
import type { StreamChunk } from '../store/reads/chunk-reads.js';
import type { AddedStep, StepChange } from '../registry/flow-registrations.js';
import type { Logger } from '../infra/logger.js';
import type { WorkerInfo } from '../registry/worker-directory.js';
import type { FlowOrigin } from '../registry/registry.js';
import type { ExecuteOptions, FlowInfo, NodeDetail, RequestState } from '../types/types.js';
import type { FlowOptions } from '../types/flow-options.js';
import type {
  BulkMigrationResult,
  FlowVersionInfo,
  MigrationResult,
} from '../types/version-types.js';

/**
 * What an HTTP front end may call on the service it serves (`HttpFrontend.listen`): the request
 * commands and reads of a `FlowClient`, the registry changes of a `FlowService`, health and metrics.
 * A `FlowService` is one; each member does what the `FlowService` member of that name does.
 */
export interface FlowApi {
  readonly log: Logger;
  readonly auditLog: AuditLog;
  flows(): Promise<FlowInfo[]>;
  describe(name: string, version?: string): Promise<DagDescription>;
  flowOrigin(name: string): Promise<FlowOrigin | undefined>;
  registerDefinition(definition: unknown, options?: FlowOptions): FlowInfo;
  addStep(flow: string, step: AddedStep): FlowInfo;
  removeStep(flow: string, id: string): FlowInfo;
  replaceStep(flow: string, id: string, step: StepChange): FlowInfo;
  execute(name: string, input: unknown, options?: ExecuteOptions): Promise<string>;
  state(name: string, requestId: string): Promise<RequestState>;
  statePage(name: string, requestId: string, page: NodePageOptions): Promise<RequestStatePage>;
  result(name: string, requestId: string): Promise<unknown>;
  waitForResult(name: string, requestId: string, options?: WaitOptions): Promise<unknown>;
  waitForResultText(name: string, requestId: string, options?: WaitOptions): Promise<ResultText>;
  nodeDetail(name: string, requestId: string, path: string): Promise<NodeDetail>;
  listRequests(name: string, options?: ListRequestsOptions): Promise<RequestPage>;
  watch(
    name: string,
    requestId: string,
    listener: (change: RequestChange) => void,
  ): Promise<Unwatch>;
  stream(
    name: string,
    requestId: string,
    options?: StreamOptions,
  ): AsyncGenerator<StreamChunk, void, undefined>;
  watchFlow(name: string, listener: (change: FlowChange) => void): Promise<Unwatch>;
  watchState(
    name: string,
    requestId: string,
    listener: (update: LiveUpdate) => void,
  ): Promise<LiveView>;
  pause(name: string, requestId: string): Promise<void>;
  resume(name: string, requestId: string): Promise<void>;
  stop(name: string, requestId: string): Promise<void>;
  rerun(name: string, requestId: string, options?: RerunOptions): Promise<void>;
  versions(name: string): Promise<FlowVersionInfo[]>;
  migrate(name: string, requestId: string): Promise<MigrationResult>;
  migrateAll(name: string, options: { readonly from: string }): Promise<BulkMigrationResult>;
  bulk(name: string, f: BulkFilter, a: BulkAction, o: { dryRun: true }): Promise<BulkDryRun>;
  bulk(name: string, f: BulkFilter, a: BulkAction, o?: { dryRun?: false }): Promise<BulkProgress>;
  startBulk(name: string, filter: BulkFilter, action: BulkAction): Promise<{ id: string }>;
  bulkProgress(name: string, id: string): Promise<BulkProgress>;
  workers(): Promise<WorkerInfo[]>;
  signal(name: string, requestId: string, signal: string, payload: unknown): Promise<void>;
  signalUrl(name: string, requestId: string, signal: string, options?: SignalUrlOptions): string;
  verifySignalUrl(token: string): SignalClaims;
  signalByUrl(token: string, payload: unknown): Promise<SignalClaims>;
  emit(event: string, data: unknown): Promise<EmitResult>;
  schedule(name: string, options: ScheduleOptions): Promise<ScheduleInfo>;
  unschedule(name: string, id: string): Promise<void>;
  listSchedules(name: string): Promise<ScheduleInfo[]>;
  ping(): Promise<void>;
  metrics(): Promise<string>;
}
