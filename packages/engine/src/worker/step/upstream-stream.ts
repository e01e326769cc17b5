import { DagflowError, ErrorCode, type StreamInput } from '@dagflow/flow';
import { decode } from '../../format/codec.js';
import { parseStepAnnouncement, REQUEST_MARK } from '../../format/announcements.js';
import type { RequestKeys } from '../../format/keys.js';
import { RequestField, StepField, stepField } from '../../format/layout.js';
import { type StreamSource, streamChunks } from '../../client/request-streams.js';

/** How often a consumer reads its producer's status (a `retrying` announcement may be lost). */
const RECHECK_MS = 1_000;

/** The producer of a stream edge, as its consumer's attempt reads it. */
export interface Upstream {
  readonly flow: string;
  readonly requestId: string;
  /** The producer's step path. */
  readonly path: string;
  /** The consumer's step path (for messages). */
  readonly consumer: string;
  /** The consumer's `ctx.signal`: its stop or timeout ends the reading. */
  readonly signal: AbortSignal;
}

/** A producer's status and attempt count, as the state holds them. */
interface ProducerState {
  readonly request: string | null;
  readonly status: string | null;
  readonly attempt: number;
}

/**
 * The attempt of the producer a consumer follows, or undefined when the producer does not run now (it
 * waits for a retry, or a rerun reset it): the consumer then waits for its next attempt.
 */
export async function currentAttempt(
  source: StreamSource,
  upstream: Upstream,
): Promise<number | undefined> {
  const state = await producerState(source, upstream);
  return state.status === 'running' || state.status === 'completed' ? state.attempt : undefined;
}

/** A consumer's input, and what its attempt does with it once the handler returned or threw. */
export interface UpstreamInput {
  readonly input: StreamInput;
  /** Ends the reading (its subscription and timer) once no read is pending; the attempt's `finally`. */
  close(): void;
}

/**
 * The consumer's input: the data of the chunks the producer's attempt `attempt` emits, as they come,
 * ending when the producer completes; its `output()` is the producer's output. Reading throws
 * `UPSTREAM_RETRIED` once another attempt of the producer runs or completed (a chunk of a later attempt,
 * a `retrying` announcement, a completion by another attempt), and `STREAM_CLOSED` when the producer
 * failed for good or the request ended. A handler that stops iterating early leaves the reading open,
 * so that `output()` can still wait for the producer.
 */
export function upstreamInput(
  source: StreamSource,
  upstream: Upstream,
  attempt: number,
): UpstreamInput {
  const chunks = readUpstream(source, upstream, attempt);
  // The generator's return value is the producer's output, whoever reads the end first.
  let end: { readonly value: unknown } | undefined;
  const next = async (): Promise<IteratorResult<unknown, unknown>> => {
    if (end !== undefined) return { done: true, value: end.value };
    const result = await chunks.next();
    if (result.done === true) end = { value: result.value };
    return result;
  };
  let output: Promise<unknown> | undefined;
  const iterator: AsyncIterableIterator<unknown> = {
    next,
    // A `break` out of the handler's loop does not end the reading: `output()` goes on with it.
    return: (value?: unknown) => Promise.resolve({ done: true, value }),
    [Symbol.asyncIterator]: () => iterator,
  };
  const input: StreamInput = {
    [Symbol.asyncIterator]: () => iterator,
    output: () => {
      output ??= (async () => {
        for (;;) {
          const result = await next();
          if (result.done === true) return result.value;
        }
      })();
      return output;
    },
  };
  return {
    input,
    close: () => {
      chunks.return(undefined).catch(() => undefined);
    },
  };
}

async function* readUpstream(
  source: StreamSource,
  upstream: Upstream,
  attempt: number,
): AsyncGenerator<unknown, unknown, undefined> {
  const keys = source.keys.request(upstream.flow, upstream.requestId);
  const stop = new AbortController();
  let retried = false;
  const onSteps = (message: string): void => {
    if (message.startsWith(REQUEST_MARK)) return;
    const step = parseStepAnnouncement(message);
    if (step.node !== upstream.path || step.status !== 'retrying') return;
    retried = true;
    stop.abort();
  };
  const onAbort = (): void => stop.abort();
  upstream.signal.addEventListener('abort', onAbort);
  const recheck = setInterval(() => {
    producerState(source, upstream).then(
      (state) => {
        if (state.status !== 'retrying' && state.attempt <= attempt) return;
        retried = true;
        stop.abort();
      },
      () => undefined,
    );
  }, RECHECK_MS);
  try {
    await source.subscriptions.add(keys.steps, true, onSteps);
    const target = { flow: upstream.flow, requestId: upstream.requestId };
    const options = { node: upstream.path, signal: stop.signal };
    for await (const chunk of streamChunks(source, target, options)) {
      if (chunk.attempt < attempt) continue;
      if (chunk.attempt > attempt) throw retriedError(upstream, attempt);
      yield chunk.data;
    }
    if (upstream.signal.aborted) throw closed(upstream, 'the consumer was stopped or timed out');
    if (retried) throw retriedError(upstream, attempt);
    return await endOf(source, keys, upstream, attempt);
  } finally {
    clearInterval(recheck);
    upstream.signal.removeEventListener('abort', onAbort);
    source.subscriptions.remove(keys.steps, true, onSteps);
  }
}

/** The producer's output once its stream ended, or why there is none. */
async function endOf(
  source: StreamSource,
  keys: RequestKeys,
  upstream: Upstream,
  attempt: number,
): Promise<unknown> {
  const state = await producerState(source, upstream);
  if (state.status === 'completed') {
    if (state.attempt !== attempt) throw retriedError(upstream, attempt);
    const output = await source.redis.hget(keys.data, stepField(StepField.output, upstream.path));
    return decode(output ?? 'null');
  }
  if (state.status === 'retrying' || state.attempt > attempt) throw retriedError(upstream, attempt);
  throw closed(
    upstream,
    state.status === 'failed' ? 'it failed' : `the request is ${state.request ?? 'gone'}`,
  );
}

async function producerState(source: StreamSource, upstream: Upstream): Promise<ProducerState> {
  const keys = source.keys.request(upstream.flow, upstream.requestId);
  const [request, status, attempts] = await source.redis.hmget(
    keys.state,
    RequestField.status,
    stepField(StepField.status, upstream.path),
    stepField(StepField.attempts, upstream.path),
  );
  // A producer always begins through beginNode (never implicitly, see `format/implied-begin.ts`); before
  // its first begin it counts as attempt 1.
  return {
    request: request ?? null,
    status: status ?? null,
    attempt: Math.max(1, Number(attempts ?? 0)),
  };
}

function retriedError(upstream: Upstream, attempt: number): DagflowError {
  return new DagflowError(
    ErrorCode.UPSTREAM_RETRIED,
    `'${upstream.consumer}' read the stream of attempt ${attempt} of '${upstream.path}' (request '${upstream.requestId}'), which another attempt replaced: it runs again from the start of the new attempt's stream.`,
    { details: { node: upstream.consumer, producer: upstream.path, attempt } },
  );
}

function closed(upstream: Upstream, why: string): DagflowError {
  return new DagflowError(
    ErrorCode.STREAM_CLOSED,
    `The stream of '${upstream.path}' into '${upstream.consumer}' (request '${upstream.requestId}') closed before '${upstream.path}' completed: ${why}.`,
    { details: { node: upstream.consumer, producer: upstream.path } },
  );
}
