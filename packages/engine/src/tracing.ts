import {
  type Context,
  ProxyTracerProvider,
  type Tracer,
  type Span,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';

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

/** What a span of a node or a request is about. */
export interface SpanTarget {
  readonly flow: string;
  readonly queue: string;
  readonly requestId: string;
  readonly node?: string;
}

/** A span context carried in job data: `traceId-spanId-flags`. */
export type Carrier = string;

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
  const span = active.startSpan(
    `send ${target.queue}`,
    { kind: SpanKind.PRODUCER, attributes: attributes(target, 'send') },
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
 * job; failures are recorded on the span. `work` gets the carrier for the jobs it enqueues. `targetOf`
 * names the span's subject; it is called only when an SDK is registered.
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
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

function attributes(target: SpanTarget, operation: 'send' | 'process'): Record<string, string> {
  return {
    'messaging.system': 'bullmq',
    'messaging.operation.type': operation,
    'messaging.destination.name': target.queue,
    'dagflow.flow': target.flow,
    'dagflow.request_id': target.requestId,
    ...(target.node === undefined ? {} : { 'dagflow.node': target.node }),
  };
}

function carrierOf(span: Span): Carrier | undefined {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return isSpanContextValid(span.spanContext()) ? `${traceId}-${spanId}-${traceFlags}` : undefined;
}

function contextOf(carrier: Carrier | undefined): Context {
  const active = context.active();
  if (carrier === undefined) return active;
  const [traceId = '', spanId = '', flags = '0'] = carrier.split('-');
  const spanContext = { traceId, spanId, traceFlags: Number(flags), isRemote: true };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(active, spanContext) : active;
}
