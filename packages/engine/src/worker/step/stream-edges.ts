import { DagflowError, ErrorCode } from '@dagflow/flow';
import { DelayedError } from 'bullmq';
import { fill } from '../../plan/paths.js';
import type { TaskStep } from '../../plan/steps.js';
import { type Run, enqueue } from './step-run.js';
import type { StreamSource } from '../../client/request-streams.js';
import {
  type Upstream,
  type UpstreamInput,
  currentAttempt,
  upstreamInput,
} from './upstream-stream.js';

/** Back-off of a consumer waiting for its producer's next attempt: 50 ms, doubled, at most 1 s. */
const WAIT = { firstMs: 50, maxMs: 1_000 };

/**
 * Stream edges (`dag.edge(from, to, { stream: true })`), producer side: as an attempt of `from` starts
 * (before its handler runs), the consumers it feeds are released and enqueued (`lua/releaseStream.lua`,
 * fenced by the attempt's owner token); `from`'s completion does not release them again. A redelivered
 * or retried attempt releases again: job ids make that harmless.
 */
export async function releaseConsumers(run: Run, step: TaskStep, owner: string): Promise<void> {
  if (step.streams === undefined) return;
  const { deps, plan, requestId, at } = run;
  const consumers = step.streams.map((template) => fill(template, at.keys));
  const released = await deps.store.releaseStream(
    plan.name,
    requestId,
    { path: at.path, owner },
    consumers,
  );
  await enqueue(run, released);
}

/**
 * Before a consumer's attempt begins: while its producer does not run (it waits for a retry, or a rerun
 * reset it), the job waits in BullMQ's delayed set (see {@link waitForUpstream}), without beginning an
 * attempt. No-op for other tasks.
 */
export async function awaitProducer(run: Run, step: TaskStep): Promise<void> {
  if (step.streamFrom === undefined) return;
  const { source, upstream } = upstreamOf(run, step.streamFrom, new AbortController().signal);
  if ((await currentAttempt(source, upstream)) === undefined) await waitForUpstream(run);
}

/**
 * Stream edges, consumer side: the consumer's input, reading the attempt of its producer that runs
 * now. While the producer does not run (it waits for a retry, or a rerun reset it), the consumer's job
 * waits (see {@link waitForUpstream}) instead of holding a worker slot. Undefined for other tasks.
 */
export async function openUpstream(
  run: Run,
  step: TaskStep,
  signal: AbortSignal,
): Promise<UpstreamInput | undefined> {
  if (step.streamFrom === undefined) return undefined;
  const { source, upstream } = upstreamOf(run, step.streamFrom, signal);
  const attempt = await currentAttempt(source, upstream);
  if (attempt === undefined) return waitForUpstream(run);
  return upstreamInput(source, upstream, attempt);
}

/** The handler's output, once the producer of a consumer's stream completed (it cannot complete first). */
export async function afterUpstream<T>(
  upstream: UpstreamInput | undefined,
  output: Promise<T>,
): Promise<T> {
  const value = await output;
  await upstream?.input.output();
  return value;
}

/**
 * An attempt of a consumer that failed because its producer's attempt was replaced (`UPSTREAM_RETRIED`)
 * does not count as a failure: its job goes back to BullMQ's delayed set (not an attempt there either)
 * and runs again, from the start of the producer's next attempt's chunks; its `ctx.attempt` counts on.
 * Any other error is left to the caller.
 */
export async function retryOnUpstream(run: Run, error: unknown): Promise<void> {
  if (!(error instanceof DagflowError) || error.code !== ErrorCode.UPSTREAM_RETRIED) return;
  if (run.inline !== undefined) return;
  await waitForUpstream(run);
}

/** Where a consumer reads its producer's stream (`from`: the producer's template). */
function upstreamOf(
  run: Run,
  from: string,
  signal: AbortSignal,
): { source: StreamSource; upstream: Upstream } {
  const { deps, plan, requestId, at } = run;
  return {
    source: deps,
    upstream: { flow: plan.name, requestId, path: fill(from, at.keys), consumer: at.path, signal },
  };
}

/** Sends the consumer's job back to BullMQ's delayed set, with a back-off that grows each time. */
async function waitForUpstream(run: Run): Promise<never> {
  const { job } = run;
  // Deliveries since the job's last real attempt: each wait starts the job once more.
  const waits = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
  const delay = Math.min(WAIT.firstMs * 2 ** Math.min(waits, 16), WAIT.maxMs);
  run.deps.log.debug('stream consumer waits for its producer', {
    flow: run.plan.name,
    requestId: run.requestId,
    node: run.at.path,
    delayMs: delay,
  });
  await job.moveToDelayed(Date.now() + delay, job.token);
  throw new DelayedError();
}
