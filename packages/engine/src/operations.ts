import { createHash } from 'node:crypto';
import { DagflowError, ErrorCode, NonRetryableError, type Operation } from '@dagflow/flow';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** What the built-in operations need from their service. */
export interface OperationHost {
  readonly redis: Redis;
  readonly prefix: string;
  execute(flow: string, input: unknown, options: { requestId: string }): Promise<string>;
  waitForResult(flow: string, requestId: string, options: { timeoutMs: number }): Promise<unknown>;
}

/**
 * The built-in operations of declarative flows:
 * - `http` `{ url, method?, headers? }`: sends the input (JSON) and answers the response (JSON or text);
 *   network errors and 5xx are retried as the node allows, other 4xx fail at once;
 * - `publish` `{ queue }`: puts the input on a BullMQ queue of that name for other consumers;
 * - `flow` `{ flow, timeoutMs? }`: runs another registered flow as one step and answers its result.
 */
export function builtInOperations(host: OperationHost): Map<string, Operation> {
  return new Map<string, Operation>([
    ['http', (input, params, ctx) => httpCall(input, params, ctx.signal)],
    ['publish', (input, params, ctx) => publish(host, input, params, ctx.idempotencyKey)],
    ['flow', (input, params, ctx) => runFlow(host, input, params, ctx.idempotencyKey)],
  ]);
}

async function httpCall(
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
  const response = await fetch(url, {
    method,
    headers,
    signal,
    ...(withBody ? { body: JSON.stringify(input) } : {}),
  });
  const text = await response.text();
  if (!response.ok) {
    const message = `${method} ${url} answered ${response.status}: ${text.slice(0, 200)}`;
    // Server errors may pass; client errors will not (408 and 429 excepted).
    if (response.status >= 500 || response.status === 408 || response.status === 429)
      throw new Error(message);
    throw new NonRetryableError(message);
  }
  return (response.headers.get('content-type') ?? '').includes('json')
    ? (JSON.parse(text) as unknown)
    : text;
}

async function publish(
  host: OperationHost,
  input: unknown,
  params: Readonly<Record<string, unknown>>,
  key: string,
): Promise<unknown> {
  const name = param(params, 'queue', 'publish');
  const queue = new Queue(name, { connection: host.redis, prefix: host.prefix });
  try {
    // The job id comes from the node's idempotency key: a repeated attempt publishes once.
    const jobId = hashOf(key);
    await queue.add('message', input, { jobId, removeOnComplete: 1_000 });
    return { queue: name, jobId };
  } finally {
    await queue.close();
  }
}

async function runFlow(
  host: OperationHost,
  input: unknown,
  params: Readonly<Record<string, unknown>>,
  key: string,
): Promise<unknown> {
  const flow = param(params, 'flow', 'flow');
  const timeoutMs = typeof params['timeoutMs'] === 'number' ? params['timeoutMs'] : 60_000;
  // The child request's id comes from the node's idempotency key: a repeated attempt waits for the same request.
  const requestId = await host.execute(flow, input, { requestId: `sub-${hashOf(key)}` });
  return host.waitForResult(flow, requestId, { timeoutMs });
}

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

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
