/**
 * The dagflow HTTP API contract: a zod schema for every JSON body the API answers (and for the step
 * changes it takes), and the types inferred from them. The server validates requests and documents
 * `GET /openapi.json` with these schemas; the CLI and the dashboard import the types (the dashboard
 * with `import type` only, so no code of this module reaches the browser).
 * @module
 */
import { ErrorCode } from '@dagflow/flow';
import { dagDescriptionSchema, jsonSchema, type nodeDescriptionSchema } from './dag.js';
import { concurrencySchema, fairnessSchema, scheduleSchema } from './schedules.js';
import { migrationSchema } from './versions.js';
import { z } from 'zod';

import type { Wire } from './wire.js';

export type { Wire } from './wire.js';

/** Every error answer: `{"error": {"code", "message", "details"?}}`, the status following the code. */
export const errorSchema = z.object({
  error: z.object({
    code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Lifecycle of a request. */
export const requestStatusSchema = z.enum([
  'pending',
  'running',
  'completed',
  'failed',
  'stopped',
  'paused',
]);

/** Lifecycle of one node within a request. */
export const nodeStatusSchema = z.enum([
  'pending',
  'queued',
  'running',
  'retrying',
  'waiting',
  'completed',
  'failed',
]);

const count = z.number().int().nonnegative();
const epochMs = z.number().meta({ description: 'ms since the epoch' });

/** A node's error in a request state. */
export const nodeErrorSchema = z.object({
  node: z.string().meta({
    description:
      "Path of the node that failed; '' for a request the engine stopped (DEADLINE_EXCEEDED, SUPERSEDED).",
  }),
  attempts: count,
  message: z.string(),
  name: z.string().meta({ description: "The error's class name." }),
  code: z.string().optional(),
});

/** A request by flow and id. */
const requestRefSchema = z.object({ flow: z.string(), requestId: z.string() });

/** One node of a request state. */
export const nodeStateSchema = z.object({
  child: requestRefSchema
    .optional()
    .meta({ description: 'For a child-flow node that started: the child request it runs.' }),
  status: nodeStatusSchema,
  attempts: count,
  startedAt: epochMs.optional(),
  finishedAt: epochMs.optional(),
  error: nodeErrorSchema.optional(),
  picked: z.array(z.string()).optional(),
  waiting: z.literal('waiting for worker').optional().meta({
    description: 'A queued node whose queue has no live worker: it runs when one starts.',
  }),
  reason: z
    .enum(['STEP_UNAVAILABLE', 'RATE_LIMITED'])
    .optional()
    .meta({
      description:
        'Why a waiting node waits. STEP_UNAVAILABLE: no live worker has its code (its request runs ' +
        'on an older flow version); it runs once a process that has the node starts, or the request ' +
        "is migrated. RATE_LIMITED: the request's rate-limit key used its window up (rateLimit: { key }).",
    }),
  unavailableSince: epochMs.optional().meta({
    description: 'With `reason` STEP_UNAVAILABLE: since when no live worker could run the node.',
  }),
  rateLimitedUntil: epochMs.optional().meta({
    description: 'With `reason` RATE_LIMITED: when the root node may start (its window frees).',
  }),
  cached: z.literal(true).optional().meta({
    description:
      'The node completed with a cached output, its handler not run (node option cache).',
  }),
  compensation: z
    .object({
      status: z.enum(['completed', 'failed']),
      attempts: count,
      error: nodeErrorSchema.optional(),
    })
    .optional(),
});

/** `GET /flow/:name/requests/:id`: status, timings, per-node status, attempts, errors. */
export const requestStateSchema = z.object({
  requestId: z.string(),
  flow: z.string(),
  status: requestStatusSchema,
  createdAt: epochMs,
  startedAt: epochMs.optional(),
  finishedAt: epochMs.optional(),
  error: nodeErrorSchema.optional(),
  debounceUntil: epochMs
    .optional()
    .meta({ description: 'A debounced request in its window: when the window ends.' }),
  waitingForKey: z
    .string()
    .optional()
    .meta({ description: 'Set while it waits for a slot of its concurrency key: the key.' }),
  deadline: z
    .object({ startBy: epochMs.optional(), finishBy: epochMs.optional() })
    .optional()
    .meta({
      description:
        'Its deadlines: a node must begin by startBy, it must end by finishBy, else it is stopped (error code DEADLINE_EXCEEDED).',
    }),
  parent: requestRefSchema
    .extend({ node: z.string() })
    .optional()
    .meta({ description: 'For a child request: the parent request and the node that runs it.' }),
  version: z.string().optional().meta({
    description: 'The flow version (shape) it runs on: the one it started with, or migrated to.',
  }),
  migrations: z
    .array(migrationSchema)
    .optional()
    .meta({ description: 'Its migrations to newer flow versions, oldest first.' }),
  reruns: z
    .array(z.object({ from: z.string(), at: epochMs, inputReplaced: z.boolean() }))
    .optional()
    .meta({ description: 'Its reruns from a node (`rerun` with `from`), oldest first.' }),
  nodes: z.record(z.string(), nodeStateSchema),
  cursor: z.string().optional().meta({
    description:
      'With `?nodes=`: where the next page of nodes starts (pass it as `?cursor=`); absent on the last page.',
  }),
});

/** What one attempt of a node logged through `ctx.log` (at most 32 kB). */
export const attemptLogSchema = z.object({
  attempt: count,
  lines: z.array(
    z.object({
      at: epochMs,
      level: z.enum(['debug', 'info', 'warn', 'error']),
      message: z.string(),
      fields: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  truncated: z.literal(true).optional(),
});

/** `GET /flow/:name/requests/:id/nodes/:path`: one node, its input, output and logs. */
export const nodeDetailSchema = z.object({
  path: z.string(),
  state: nodeStateSchema,
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  logs: z.array(attemptLogSchema).optional(),
});

/** One request of a listing. */
export const requestSummarySchema = z.object({
  requestId: z.string(),
  status: requestStatusSchema,
  createdAt: epochMs,
  finishedAt: epochMs.optional(),
});

/** `GET /flow/:name/requests`: a page, newest first; `cursor` is absent on the last page. */
export const requestPageSchema = z.object({
  requests: z.array(requestSummarySchema),
  cursor: z.string().optional(),
});

const workersSchema = z
  .record(z.string(), count)
  .meta({ description: "Live workers per queue ('' is the flow's own queue)." });

/** A registered flow. */
export const flowInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  nodes: count,
  workers: workersSchema,
  nodeWorkers: z.record(z.string(), count),
  inputSchema: jsonSchema.optional(),
  concurrency: concurrencySchema.optional(),
  fairness: fairnessSchema.optional(),
});

/** `GET /flows`. */
export const flowListSchema = z.object({ flows: z.array(flowInfoSchema) });

/** `GET /flows/:name`. */
export const flowDetailSchema = z.object({
  name: z.string(),
  version: z.string(),
  workers: workersSchema,
  concurrency: concurrencySchema.optional(),
  fairness: fairnessSchema.optional(),
  schedules: z
    .array(scheduleSchema)
    .meta({ description: "The flow's schedules and their next run." }),
  dag: dagDescriptionSchema,
});

/** `POST /flow/:name` (202), and `?wait=` when the request is still running at the deadline. */
export const executeAnswerSchema = z.object({
  requestId: z.string(),
  status: z.literal('running').optional(),
  /** A singleton flow (mode `skip`) had a live request of the input's key: `requestId` is that one. */
  skipped: z.literal(true).optional(),
  /** A batched flow: the input's position (0-based) in the batch whose request is `requestId`. */
  position: z.number().int().min(0).optional(),
});

/** `POST /flow/:name/requests/:id/{pause,resume,stop,rerun}`: the request's status after. */
export const controlAnswerSchema = z.object({ requestId: z.string(), status: requestStatusSchema });

/** `POST /flow/:name/requests/:id/signals/:signal` (202): the signal was stored for that node. */
export const signalAnswerSchema = z.object({ requestId: z.string(), signal: z.string() });

/** `GET /healthz`. */
export const healthSchema = z.object({ status: z.enum(['ok', 'redis unreachable']) });

/** Every error answer. */
export type ErrorResponse = Wire<z.output<typeof errorSchema>>;
/** Lifecycle of a request. */
export type RequestStatus = z.output<typeof requestStatusSchema>;
/** Lifecycle of one node within a request. */
export type NodeStatus = z.output<typeof nodeStatusSchema>;
/** A node's error in a request state. */
export type NodeError = Wire<z.output<typeof nodeErrorSchema>>;
/** One node of a request state. */
export type NodeState = Wire<z.output<typeof nodeStateSchema>>;
/** `GET /flow/:name/requests/:id`. */
export type RequestState = Wire<z.output<typeof requestStateSchema>>;
/** What one attempt of a node logged. */
export type AttemptLog = Wire<z.output<typeof attemptLogSchema>>;
/** `GET /flow/:name/requests/:id/nodes/:path`. */
export type NodeDetail = Wire<z.output<typeof nodeDetailSchema>>;
/** One request of a listing. */
export type RequestSummary = Wire<z.output<typeof requestSummarySchema>>;
/** `GET /flow/:name/requests`. */
export type RequestPage = Wire<z.output<typeof requestPageSchema>>;
/** A registered flow. */
export type FlowInfo = Wire<z.output<typeof flowInfoSchema>>;
/** `GET /flows`. */
export type FlowListResponse = Wire<z.output<typeof flowListSchema>>;
/** One vertex of a DAG description. */
export type NodeDescription = Wire<z.output<typeof nodeDescriptionSchema>>;
/** A DAG as JSON. */
export type DagDescription = Wire<z.output<typeof dagDescriptionSchema>>;
/** `GET /flows/:name`. */
export type FlowDetailResponse = Wire<z.output<typeof flowDetailSchema>>;
/** `POST /flow/:name`. */
export type ExecuteResponse = Wire<z.output<typeof executeAnswerSchema>>;
/** `POST /flow/:name/requests/:id/{pause,resume,stop,rerun}`. */
export type ControlResponse = Wire<z.output<typeof controlAnswerSchema>>;
/** `POST /flow/:name/requests/:id/signals/:signal`. */
export type SignalResponse = Wire<z.output<typeof signalAnswerSchema>>;
/** `GET /healthz`. */
export type HealthResponse = Wire<z.output<typeof healthSchema>>;

export * from './dag.js';
export * from './schedules.js';
export * from './live.js';
export * from './versions.js';
export * from './access.js';
export * from './bulk.js';
export * from './events.js';
export * from './step-changes.js';
