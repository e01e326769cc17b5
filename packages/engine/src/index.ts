/**
 * `@dagflow/engine` runs dagflow DAGs on Redis through BullMQ: each node of each request is one job,
 * a Lua script completes nodes atomically and releases their successors, and workers scale out by
 * starting more processes.
 *
 * @example
 * ```ts
 * import { FlowService } from '@dagflow/engine';
 * const service = new FlowService({ redisUrl: 'redis://127.0.0.1:6379' });
 * service.register('myflow', (dag) => dag.node('hello', (input: string) => `you said "${input}"`));
 * await service.startWorker();
 * const id = await service.execute('myflow', 'hallo');
 * console.log(await service.waitForResult('myflow', id)); // you said "hallo"
 * ```
 * @module
 */
export { AUDIT_PAGE_LIMIT, AuditLog } from './registry/audit-log.js';
export type { AuditEntry, AuditLogOptions, AuditTarget } from './registry/audit-log.js';
export { decode, encode } from './format/codec.js';
export {
  MAX_DEFINITION_LENGTH,
  parseDefinition,
  readDefinition,
} from './registry/definition-file.js';
export { MAX_NESTING_DEPTH, jsonDepth, yamlDepth } from './infra/nesting-depth.js';
export { loadConfig } from './config/load-config.js';
export type {
  ConfigPart,
  ConfigSource,
  LoadedConfig,
  ResolvedOptions,
} from './config/load-config.js';
export { EnvReader, intOption, invalidConfig } from './config/env.js';
export type { Env } from './config/env.js';
export type { ClientConfig } from './config/client-config.js';
export type { MetricsConfig, WorkerConfig } from './config/worker-config.js';
export type { ServerConfig } from './config/server-config.js';
export type { ClientSettings } from './config/client-settings.js';
export type { MetricsSettings, WorkerSettings } from './config/worker-settings.js';
export type { ServerSettings } from './config/server-settings.js';
export type { FlowServiceOptions } from './api/service-options.js';
export type { ServiceSettings } from './config/service-settings.js';
export type { HttpFrontend, HttpHandle } from './api/http-frontend.js';
export type { RedisClient } from './infra/redis-connection.js';
export type {
  RedisClusterConfig,
  RedisConnectionSettings,
  RedisTarget,
  RedisTlsFiles,
} from './infra/redis-target.js';
export { redactUrl } from './infra/redact-url.js';
export { useClock } from './infra/clock.js';
export type { Clock } from './infra/clock.js';
export { FlowClient } from './api/flow-client.js';
export { FlowCommands } from './api/flow-commands.js';
export type { FlowClientOptions } from './api/flow-client.js';
export { FlowHandle } from './api/flow-handle.js';
export type { FlowRequests } from './api/flow-handle.js';
export type { RerunOptions, WaitOptions } from './client/request-options.js';
export type { ResultText } from './client/request-api.js';
export type { FlowChange, RequestChange, Unwatch } from './resources/request-watch.js';
export type { LiveUpdate, LiveView } from './client/live-views.js';
export type { StreamOptions } from './client/request-streams.js';
export type { EmitResult } from './events/event-emit.js';
export type { SignalClaims, SignalTarget, SignalUrlOptions } from './events/signal-urls.js';
export type { SigningConfig, SigningKey } from './config/signing-config.js';
export type { StreamChunk } from './store/reads/chunk-reads.js';
export type { NodePageOptions, RequestStatePage } from './store/reads/state-pages.js';
export { SCHEDULE_ID, assertValidSchedule } from './client/schedules.js';
export { REQUEST_ID } from './client/start/request-ids.js';
export type { ScheduleInfo, ScheduleOptions } from './client/schedules.js';
export type { FlowApi } from './api/flow-api.js';
export type { WorkerInfo } from './registry/worker-directory.js';
export type { AttemptLog, NodeLogLine } from './types/types.js';
export type {
  BatchOption,
  ConcurrencyKey,
  FairnessOption,
  FlowDeadline,
  FlowOptions,
  RateLimit,
  SingletonOption,
} from './types/flow-options.js';
export type { RunningNode } from './registry/worker-directory.js';
export { FlowService } from './api/flow-service.js';
export type { AddedStep, StepChange } from './registry/flow-registrations.js';
export { HttpAllowList } from './infra/http-guard.js';
export { isPublicAddress } from './infra/public-address.js';
export type { Logger, LogLevel, PinoLike } from './infra/logger.js';
export type { FlowOrigin } from './registry/registry.js';
export type {
  ListRequestsOptions,
  RequestPage,
  RequestSummary,
} from './resources/request-index.js';
export { batchPart } from './client/start/batch-part.js';
export type {
  BatchPlacement,
  EndedRequest,
  ExecuteOptions,
  FlowInfo,
  NodeDetail,
  NodeError,
  NodeState,
  NodeStatus,
  RequestRef,
  RequestState,
  RequestStatus,
} from './types/types.js';
export type {
  BulkMigrationResult,
  FlowVersionInfo,
  Migration,
  MigrationResult,
  RerunRecord,
} from './types/version-types.js';
export type { BulkAction, BulkFilter } from './maintenance/bulk-filter.js';
export { BULK_ACTIONS } from './maintenance/bulk-filter.js';
export type { BulkDryRun, BulkProgress, BulkStatus } from './maintenance/bulk-progress.js';
export {
  Dag,
  DagflowError,
  DagValidationError,
  ErrorCode,
  NonRetryableError,
  TypedFlow,
  typedFlow,
} from '@dagflow/flow';
export type { FlowDefinition, Operation } from '@dagflow/flow';
export type {
  FlowInput,
  FlowResult,
  InferSchemaInput,
  InferSchemaOutput,
  SchemaIssue,
  StandardSchemaV1,
  AfterOption,
  TypedBranchOptions,
  TypedChildFlowOptions,
  TypedForEachOptions,
  TypedNodeOptions,
  TypedStreamNodeOptions,
  TypedSignalOptions,
  TypedWaitForOptions,
  TypedSubDagOptions,
} from '@dagflow/flow';
export type {
  ChildFlowOptions,
  DagDescription,
  Handler,
  NodeContext,
  NodeDescription,
  NodeOptions,
  SignalOptions,
  StreamInput,
  WaitForOptions,
  Wait,
} from '@dagflow/flow';
