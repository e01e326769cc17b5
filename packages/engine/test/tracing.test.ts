import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Carrier, traceProcess, traceSend } from '../src/infra/tracing.js';

const exporter = new InMemorySpanExporter();
const server = { address: 'redis.internal', port: 6380 };
const target = { flow: 'kyc', queue: '{kyc}', requestId: 'r1', server };

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

describe('tracing', () => {
  it('carries the context in the propagator fields and names one message, or counts a batch', async () => {
    let carried: Carrier | undefined;
    await traceSend({ ...target, jobIds: ['r1|a'] }, undefined, (carrier) => {
      carried = carrier;
      return Promise.resolve();
    });
    await traceSend({ ...target, jobIds: ['r1|b', 'r1|c'] }, carried, () => Promise.resolve());
    const [one, batch] = exporter.getFinishedSpans();
    expect(carried?.['traceparent']).toBe(
      `00-${one?.spanContext().traceId}-${one?.spanContext().spanId}-01`,
    );
    expect(one?.attributes).toMatchObject({
      'messaging.operation.name': 'send',
      'messaging.message.id': 'r1|a',
      'server.address': 'redis.internal',
      'server.port': 6380,
    });
    expect(batch?.parentSpanContext?.spanId).toBe(one?.spanContext().spanId);
    expect(batch?.attributes['messaging.batch.message_count']).toBe(2);
    expect(batch?.attributes['messaging.message.id']).toBeUndefined();
  });

  it('sets error.type to the error code, else the class, of a failed attempt', async () => {
    const fail = (error: unknown) =>
      traceProcess(
        () => ({ ...target, node: 'a', jobIds: ['r1|a'], attempt: 1 }),
        undefined,
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a thrown non-Error is a case here
        () => Promise.reject(error),
      ).catch(() => undefined);
    await fail(new DagflowError(ErrorCode.PAYLOAD_TOO_LARGE, 'too big'));
    await fail(new TypeError('bad'));
    await fail('a string');
    expect(exporter.getFinishedSpans().map((span) => span.attributes['error.type'])).toEqual([
      'PAYLOAD_TOO_LARGE',
      'TypeError',
      '_OTHER',
    ]);
    expect(exporter.getFinishedSpans()[0]?.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.id': 'r1|a',
      'dagflow.attempt': 1,
    });
  });
});
