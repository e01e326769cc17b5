import { randomUUID } from 'node:crypto';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { hashedName } from '../../../format/keys.js';
import type { TaskStep } from '../../../plan/steps.js';
import type { Run } from '../step-run.js';
import { StepField, stepField } from '../../../format/layout.js';
import type { CompletionSpec } from '../../../store/state-results.js';

/**
 * How long the lease of an attempt computing a cached output lasts without renewal: an attempt whose
 * process died leaves the key to a waiting attempt after at most this long. A live attempt renews it
 * every {@link RENEW_MS}.
 */
const LEASE_MS = 5_000;
const RENEW_MS = 1_500;
/** First and longest pause of an attempt that waits for another attempt's output. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 100;

/** A task's encoded output, and whether it came from the cache (its handler not run). */
export interface TaskOutput {
  readonly output: string;
  readonly cached: boolean;
}

/**
 * The output of a task with the `cache` option (`compute` runs the handler and encodes its output),
 * single-flight across processes (`lua/cacheLead.lua`): a fresh cached output is taken as it is;
 * else the attempt that takes the key's lease runs the handler and stores the output (for `ttlMs`) as
 * it gives the lease up; the others wait for it, polling, for as long as the lease lives. When the
 * leading attempt fails, it gives the lease up and a waiting one takes it and runs its own handler;
 * when its process dies, the lease expires after {@link LEASE_MS}. A waiting attempt's wait is bounded
 * by the node's `timeoutMs` (`NODE_TIMEOUT`) and ends at the request's stop (`ctx.signal`).
 */
export async function cachedOutput(
  run: Run,
  step: TaskStep,
  call: { readonly input: unknown; readonly signal: () => AbortSignal },
  compute: () => Promise<string>,
): Promise<TaskOutput> {
  const cache = step.options.cache;
  if (cache === undefined) return { output: await compute(), cached: false };
  const { deps, plan } = run;
  const key = String((cache.key as (input: unknown) => unknown)(call.input));
  const keys = deps.keys.stepCache(plan.name, step.template, hashedName(key));
  const owner = `${run.requestId}|${run.at.path}|${randomUUID()}`;
  const store = deps.stepCache;
  const waitUntil =
    step.options.timeoutMs === undefined ? Infinity : Date.now() + step.options.timeoutMs;
  let pause = FIRST_POLL_MS;
  for (;;) {
    const taken = await store.take(keys, owner, LEASE_MS);
    if (taken.kind === 'hit') {
      deps.metrics.cacheLookup(plan.name, step.template, 'hit');
      return { output: taken.output, cached: true };
    }
    if (taken.kind === 'lead') break;
    if (Date.now() >= waitUntil) throw waitedTooLong(run, step.options.timeoutMs ?? 0);
    await sleep(pause, call.signal());
    pause = Math.min(pause * 2, MAX_POLL_MS);
  }
  deps.metrics.cacheLookup(plan.name, step.template, 'miss');
  const renewal = setInterval(() => {
    store.renew(keys, owner, LEASE_MS).catch(() => undefined);
  }, RENEW_MS);
  try {
    const output = await compute();
    await store.store(keys, owner, { output, ttlMs: cache.ttlMs });
    return { output, cached: false };
  } catch (error) {
    await store.release(keys, owner).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(renewal);
  }
}

/** The completion of a task that took a cached output: its node state says `cached: true`. */
export function cachedSpec(spec: CompletionSpec, path: string): CompletionSpec {
  return {
    ...spec,
    stateFields: [...(spec.stateFields ?? []), stepField(StepField.cached, path), '1'],
  };
}

function waitedTooLong(run: Run, timeoutMs: number): DagflowError {
  return new DagflowError(
    ErrorCode.NODE_TIMEOUT,
    `Node '${run.at.path}' of request '${run.requestId}' timed out after ${timeoutMs} ms waiting for another attempt to compute its cached output.`,
  );
}

/** Waits `ms`, or rejects with the signal's reason once it aborts (a stop). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
