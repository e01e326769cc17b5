import type { FlowApi } from '@dagflow/engine';
import type { ErrorCode } from '@dagflow/flow';

/** A member of the service a route's handler may call (all but its logger). */
export type ServiceMethod = Exclude<keyof FlowApi, 'log'>;

/** What a DAG that a change or a definition makes may fail validation with. */
const DAG_ERRORS = [
  'DAG_EMPTY',
  'DAG_CYCLE',
  'DAG_UNKNOWN_NODE',
  'DAG_DUPLICATE_NODE',
  'DAG_DUPLICATE_EDGE',
  'DAG_INVALID_ID',
  'DAG_INVALID_OPTION',
] as const satisfies readonly ErrorCode[];
const REQUEST = ['FLOW_NOT_FOUND', 'REQUEST_NOT_FOUND'] as const satisfies readonly ErrorCode[];
const CONTROL = [...REQUEST, 'INVALID_TRANSITION'] as const satisfies readonly ErrorCode[];
const ENDED = ['REQUEST_NOT_FINISHED', 'REQUEST_FAILED', 'REQUEST_STOPPED'] as const;

/**
 * The error codes each service method raises for what a caller sent (the `@throws` of the
 * `FlowService` member of that name), the one place they are written: a route's document lists the
 * codes of the methods it `calls`. Every method has a row, or this does not compile. `SERVICE_CLOSED`,
 * which any call may raise while the service closes, is added for every route that calls one.
 */
export const SERVICE_ERRORS = {
  auditLog: [],
  flows: [],
  describe: ['FLOW_NOT_FOUND'],
  flowOrigin: [],
  registerDefinition: [
    'DEFINITION_INVALID',
    'UNKNOWN_OPERATION',
    'FLOW_ALREADY_REGISTERED',
    ...DAG_ERRORS,
  ],
  addStep: ['FLOW_NOT_FOUND', 'DEFINITION_INVALID', 'UNKNOWN_OPERATION', ...DAG_ERRORS],
  removeStep: ['FLOW_NOT_FOUND', 'NODE_NOT_FOUND', ...DAG_ERRORS],
  replaceStep: [
    'FLOW_NOT_FOUND',
    'NODE_NOT_FOUND',
    'DEFINITION_INVALID',
    'UNKNOWN_OPERATION',
    ...DAG_ERRORS,
  ],
  execute: [
    'FLOW_NOT_FOUND',
    'INVALID_INPUT',
    'INVALID_REQUEST_ID',
    'IDEMPOTENCY_KEY_REUSED',
    'INVALID_OUTPUT',
  ],
  state: REQUEST,
  statePage: REQUEST,
  result: [...REQUEST, ...ENDED],
  waitForResult: [...REQUEST, 'REQUEST_FAILED', 'REQUEST_STOPPED', 'WAIT_TIMEOUT'],
  waitForResultText: [...REQUEST, 'REQUEST_FAILED', 'REQUEST_STOPPED', 'WAIT_TIMEOUT'],
  nodeDetail: [...REQUEST, 'NODE_NOT_FOUND'],
  listRequests: ['FLOW_NOT_FOUND'],
  watch: ['FLOW_NOT_FOUND'],
  watchFlow: ['FLOW_NOT_FOUND'],
  watchState: REQUEST,
  stream: REQUEST,
  pause: CONTROL,
  resume: CONTROL,
  stop: CONTROL,
  rerun: [...CONTROL, 'INVALID_OUTPUT', 'UNKNOWN_NODE'],
  bulk: ['FLOW_NOT_FOUND'],
  startBulk: ['FLOW_NOT_FOUND'],
  bulkProgress: ['BULK_NOT_FOUND'],
  versions: ['FLOW_NOT_FOUND'],
  migrate: [...CONTROL, 'MIGRATION_REFUSED'],
  migrateAll: ['FLOW_NOT_FOUND'],
  workers: [],
  signal: [...REQUEST, 'SIGNAL_NOT_FOUND', 'SIGNAL_ALREADY_DELIVERED', 'INVALID_OUTPUT'],
  signalUrl: ['SIGNING_KEY_MISSING', 'INVALID_INPUT'],
  verifySignalUrl: ['SIGNAL_URL_INVALID', 'SIGNAL_URL_EXPIRED'],
  signalByUrl: [
    ...REQUEST,
    'SIGNAL_URL_INVALID',
    'SIGNAL_URL_EXPIRED',
    'SIGNAL_URL_USED',
    'SIGNAL_NOT_FOUND',
    'SIGNAL_ALREADY_DELIVERED',
    'INVALID_OUTPUT',
  ],
  emit: ['INVALID_INPUT', 'INVALID_OUTPUT'],
  schedule: ['FLOW_NOT_FOUND', 'INVALID_SCHEDULE'],
  unschedule: ['FLOW_NOT_FOUND', 'SCHEDULE_NOT_FOUND'],
  listSchedules: ['FLOW_NOT_FOUND'],
  ping: [],
  metrics: [],
} as const satisfies Record<ServiceMethod, readonly ErrorCode[]>;
