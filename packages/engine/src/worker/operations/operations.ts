import { createHash } from 'node:crypto';
import { DagflowError, ErrorCode, NonRetryableError, type Operation } from '@dagflow/flow';
import { Queue } from 'bullmq';
import type { RedisClient } from '../../infra/redis-connection.js';
import { HTTP_DEFAULTS, guardedHttp } from './http-call.js';
import type { HttpAllowList } from '../../infra/http-guard.js';
import { isNodeQueueName } from '../../format/keys.js';

/** What the built-in operations need from their service. */
export interface OperationHost {
  readonly redis: RedisClient;
  readonly prefix: string;
  /** Non-public hosts and networks the `http` operation may reach. */
  readonly httpAllow: HttpAllowList;
}

/**
 * The built-in operations of declarative flows:
 * - `http` `{ url, method?, headers?, timeoutMs?, maxResponseBytes? }`: sends the input (JSON) and
 *   answers the response (JSON or text); network errors, timeouts and 5xx are retried as the node
 *   allows, other 4xx fail at once. Loopback, private, link-local and reserved addresses are refused
 *   (`HTTP_TARGET_FORBIDDEN`) unless `httpAllow` lists them; see `http-call.ts`;
 * - `publish` `{ queue, prefix? }`: puts the input on a BullMQ queue of that name for other consumers,
 *   under BullMQ's default prefix `bull` (where a plain `new Worker(queue, ...)` looks) unless `prefix`
 *   names another; dagflow's own node queues (`{flow}`, `{flow}.<queue>` under dagflow's prefix) are
 *   refused (`QUEUE_FORBIDDEN`);
 *
 * A node `{ "op": "flow", "with": { "flow": name } }` is no operation: it is a child-flow node
 * (`dag.flow`), which waits for the child request without holding a worker (see `wait-step.ts`).
 */
export function builtInOperations(host: OperationHost): Map<string, Operation> {
  return new Map<string, Operation>([
    ['http', (input, params, ctx) => httpCall(host, input, params, ctx.signal)],
    ['publish', (input, params, ctx) => publish(host, input, params, ctx.idempotencyKey)],
  ]);
}

async function httpCall(
  host: OperationHost,
  input: unknown,
  params: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
): Promise<unknown> {
  const url = param(params, 'url', 'http');
  const method =
    typeof params['method'] === 'string'
      ? params['method'].toUpperCase()
      : input === null
        ? 'GET'
        : 'POST';
  const headers = { ...(params['headers'] as Record<string, string> | undefined) };
  const withBody = method !== 'GET' && method !== 'HEAD' && input !== null && input !== undefined;
  if (withBody) headers['content-type'] ??= 'application/json';
  const response = await guardedHttp({
    url,
    method,
    headers,
    body: withBody ? JSON.stringify(input) : undefined,
    timeoutMs: positive(params, 'timeoutMs') ?? HTTP_DEFAULTS.timeoutMs,
    maxResponseBytes: positive(params, 'maxResponseBytes') ?? HTTP_DEFAULTS.maxResponseBytes,
    signal,
    allow: host.httpAllow,
  });
  const { status, text } = response;
  if (status < 200 || status >= 300) {
    const message = `${method} ${url} answered ${status}: ${text.slice(0, 200)}`;
    // Server errors may pass; client errors will not (408 and 429 excepted).
    if (status >= 500 || status === 408 || status === 429) throw new Error(message);
    throw new NonRetryableError(message);
  }
  return response.contentType.includes('json') ? (JSON.parse(text) as unknown) : text;
}

async function publish(
  host: OperationHost,
  input: unknown,
  params: Readonly<Record<string, unknown>>,
  key: string,
): Promise<unknown> {
  const name = param(params, 'queue', 'publish');
  const prefix =
    params['prefix'] === undefined ? BULLMQ_PREFIX : param(params, 'prefix', 'publish');
  // dagflow's own keys: its node queues, and anything under its prefix a longer prefix could reach.
  const own = prefix === host.prefix ? isNodeQueueName(name) : prefix.startsWith(`${host.prefix}:`);
  if (own) {
    throw new DagflowError(
      ErrorCode.QUEUE_FORBIDDEN,
      `Operation 'publish' may not put jobs on '${name}' under prefix '${prefix}': dagflow's node queues ({flow}, {flow}.<queue> under its prefix) and the keys under its prefix are its own.`,
      { details: { queue: name, prefix } },
    );
  }
  const queue = new Queue(name, { connection: host.redis, prefix });
  try {
    // The job id comes from the node's idempotency key: a repeated attempt publishes once.
    const jobId = hashOf(key);
    await queue.add('message', input, { jobId, removeOnComplete: 1_000 });
    return { queue: name, prefix, jobId };
  } finally {
    await queue.close();
  }
}

/** BullMQ's default key prefix: a `Queue` or `Worker` made without one uses it. */
const BULLMQ_PREFIX = 'bull';

function param(params: Readonly<Record<string, unknown>>, name: string, operation: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      `Operation '${operation}' needs a string parameter '${name}' in 'with'.`,
    );
  }
  return value;
}

/** A positive number parameter, or undefined when absent. */
function positive(params: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      `Parameter '${name}' in 'with' must be a positive number (got ${JSON.stringify(value)}).`,
    );
  }
  return value;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
