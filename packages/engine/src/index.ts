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
export { AUDIT_PAGE_LIMIT, AuditLog } from './audit-log.js';
export type { AuditEntry, AuditLogOptions, AuditTarget } from './audit-log.js';
export { decode, encode } from './codec.js';
export { MAX_DEFINITION_LENGTH, parseDefinition, readDefinition } from './definition-file.js';
export { MAX_NESTING_DEPTH, jsonDepth, yamlDepth } from './nesting-depth.js';
export type { ResolvedOptions } from './config.js';
export type { FlowServiceOptions } from './service-options.js';
export type { HttpFrontend, HttpHandle } from './http-frontend.js';
export type { RedisClient } from './redis-connection.js';
export type {
  RedisClusterConfig,
  RedisConnectionSettings,
  RedisTarget,
  RedisTlsFiles,
} from './redis-target.js';
export { redactUrl } from './redact-url.js';
export { FlowClient } from './client/flow-client.js';
export type { FlowClientOptions } from './client/flow-client.js';
export { FlowHandle } from './client/flow-handle.js';
export type { FlowRequests } from './client/flow-handle.js';
export type { RerunOptions, WaitOptions } from './client/request-options.js';
export type { FlowChange, RequestChange, Unwatch } from './client/request-watch.js';
export type { LiveUpdate, LiveView } from './client/live-views.js';
export type { NodePageOptions, RequestStatePage } from './store/state-pages.js';
export { assertValidSchedule } from './client/schedules.js';
export type { ScheduleInfo, ScheduleOptions } from './client/schedules.js';
export type { FlowApi } from './flow-api.js';
export type { WorkerInfo } from './worker-directory.js';
export type { AttemptLog, NodeLogLine } from './store/node-logs.js';
export type { RunningNode } from './worker/running-jobs.js';
export { FlowService } from './flow-service.js';
export type { AddedStep, StepChange } from './flow-registrations.js';
export { HttpAllowList } from './worker/http-guard.js';
export { isPublicAddress } from './worker/public-address.js';
export type { Logger, LogLevel, PinoLike } from './logger.js';
export type { FlowOrigin } from './registry.js';
export type { ListRequestsOptions, RequestPage, RequestSummary } from './client/request-index.js';
export type {
  ConcurrencyKey,
  EndedRequest,
  ExecuteOptions,
  FlowInfo,
  FlowOptions,
  NodeDetail,
  NodeError,
  NodeState,
  NodeStatus,
  RequestRef,
  RequestState,
  RequestStatus,
} from './types.js';
export type {
  BulkMigrationResult,
  FlowVersionInfo,
  Migration,
  MigrationResult,
} from './version-types.js';
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
  TypedNodeOptions,
} from '@dagflow/flow';
export type {
  ChildFlowOptions,
  DagDescription,
  Handler,
  NodeContext,
  NodeDescription,
  NodeOptions,
  SignalOptions,
  Wait,
} from '@dagflow/flow';
