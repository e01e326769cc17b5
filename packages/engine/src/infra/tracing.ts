import {
  type Attributes,
  type Context,
  ProxyTracerProvider,
  type Tracer,
  type Span,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import { type RedisClient, isCluster } from './redis-connection.js';

/** The API's own no-op provider: what the tracer provider delegates to while no SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * The engine's tracer, or undefined while no OpenTelemetry SDK is registered (the hot path then makes
 * no span at all). Looked up at each use: a tracer taken before the SDK registers (or by another copy of
 * the API module, ESM beside CJS) would stay a no-op.
 */
function tracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate === NOOP_PROVIDER ? undefined : provider.getTracer('@dagflow/engine');
}

/** The Redis server the queues live on (`server.address`, `server.port` of the spans). */
export interface QueueServer {
  readonly address: string;
  readonly port: number;
}

/** What a span of a node or a request is about. */
export interface SpanTarget {
  readonly flow: string;
  readonly queue: string;
  readonly requestId: string;
  readonly server: QueueServer;
  readonly node?: string;
  /** The BullMQ job ids sent, or the one processed (`messaging.message.id` when there is one). */
  readonly jobIds?: readonly string[];
}

/**
 * A trace context carried in job data: the fields the registered propagator writes (W3C `traceparent`
 * and `tracestate` with the Node SDK's defaults).
 */
export type Carrier = Readonly<Record<string, string>>;

/** The host and port a Redis connection was opened to (on a cluster, one of its masters). */
export function serverOf(redis: RedisClient): QueueServer {
  const node = isCluster(redis) ? redis.nodes('master')[0] : redis;
  return { address: node?.options.host ?? 'localhost', port: node?.options.port ?? 6379 };
}

/**
 * Runs `enqueue` inside a `send <queue>` span (OpenTelemetry messaging conventions) and hands it the
 * carrier to put in the job data, so that the consumer's span continues the trace.
 */
export async function traceSend<T>(
  target: SpanTarget,
  parent: Carrier | undefined,
  enqueue: (carrier: Carrier | undefined) => Promise<T>,
): Promise<T> {
  const active = tracer();
  if (active === undefined) return enqueue(undefined);
  const count = target.jobIds?.length ?? 0;
  const span = active.startSpan(
    `send ${target.queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...attributes(target, 'send'),
        ...(count > 1 ? { 'messaging.batch.message_count': count } : {}),
      },
    },
    contextOf(parent),
  );
  // Without an SDK the span is a no-op with an invalid context: nothing to carry or end.
  if (!isSpanContextValid(span.spanContext())) return enqueue(undefined);
  try {
    return await enqueue(carrierOf(span));
  } finally {
    span.end();
  }
}

/**
 * Runs one attempt of a step inside a `process <queue>` span whose parent is the span that enqueued the
 * job; failures are recorded on the span (`error.type`: the error's code, else its class). `work` gets
 * the carrier for the jobs it enqueues. `targetOf` names the span's subject; it is called only when an
 * SDK is registered.
 */
export async function traceProcess<T>(
  targetOf: () => SpanTarget & { readonly attempt?: number },
  parent: Carrier | undefined,
  work: (carrier: Carrier | undefined) => Promise<T>,
): Promise<T> {
  const active = tracer();
  if (active === undefined) return work(undefined);
  const target = targetOf();
  const span = active.startSpan(
    `process ${target.queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...attributes(target, 'process'),
        ...(target.attempt === undefined ? {} : { 'dagflow.attempt': target.attempt }),
      },
    },
    contextOf(parent),
  );
  if (!isSpanContextValid(span.spanContext())) return work(undefined);
  try {
    return await context.with(trace.setSpan(context.active(), span), () => work(carrierOf(span)));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setAttribute('error.type', errorType(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

function attributes(target: SpanTarget, operation: 'send' | 'process'): Attributes {
  const [messageId] = target.jobIds?.length === 1 ? target.jobIds : [];
  return {
    'messaging.system': 'bullmq',
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': target.queue,
    ...(messageId === undefined ? {} : { 'messaging.message.id': messageId }),
    'server.address': target.server.address,
    'server.port': target.server.port,
    'dagflow.flow': target.flow,
    'dagflow.request_id': target.requestId,
    ...(target.node === undefined ? {} : { 'dagflow.node': target.node }),
  };
}

/** A low-cardinality name of what failed: a stable error code, else the error's class. */
function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code } = error as { code?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (error instanceof Error) return error.name;
  }
  return '_OTHER';
}

function carrierOf(span: Span): Carrier {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  return carrier;
}

function contextOf(carrier: Carrier | undefined): Context {
  const active = context.active();
  return carrier === undefined ? active : propagation.extract(active, carrier);
}
