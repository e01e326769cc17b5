import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DagflowError,
  ErrorCode,
  type ExecuteOptions,
  FlowService,
  type FlowServiceOptions,
  type Handler,
  useClock,
} from '@dagflow/engine';
import { Redis } from 'ioredis';
import { type PrivateRedis, startPrivateRedis } from './private-redis.js';
import { QueueWatch } from './queue-watch.js';
import { readOutcome, type RunOutcome } from './run-outcome.js';
import { VirtualClock } from './virtual-clock.js';

/** Between two looks at the queues while waiting for idle. */
const POLL_MS = 5;
/** Looks in a row that find nothing to do before the queues count as idle. */
const QUIET_LOOKS = 3;

/** Options of {@link createTestEnv}. */
export interface TestEnvOptions {
  /**
   * A Redis to use, under a prefix of the environment's own (removed by `close()`), instead of a
   * private `redis-server`.
   * @defaultValue a `redis-server` from `PATH`, started on a free port and stopped by `close()`
   */
  readonly redisUrl?: string;
  /** More options of the service (its Redis and prefix are the environment's). @defaultValue `{ logLevel: 'error', closeTimeoutMs: 1000 }` */
  readonly service?: Omit<FlowServiceOptions, 'redisUrl' | 'redisCluster' | 'prefix'>;
  /**
   * How long `runUntilIdle()` waits for the queues to go idle before it throws.
   * @defaultValue 30 000 ms
   */
  readonly idleTimeoutMs?: number;
}

/** A dagflow service with in-process workers on a Redis of its own, and time that tests can skip. */
export interface TestEnv {
  /**
   * The service: register flows on it (served at once, also after `createTestEnv`), execute, signal,
   * schedule, read state.
   */
  readonly service: FlowService;
  /** The Redis the environment uses. */
  readonly redisUrl: string;
  /**
   * The key prefix of the service (`dagflow-test-<random>`): a test that looks at Redis or BullMQ
   * itself (a flow's queue is `{<flow>}` under it) uses it.
   */
  readonly prefix: string;
  /** Milliseconds since the epoch on the environment's virtual clock (the engine's clock). */
  now(): number;
  /**
   * Lets `ms` of virtual time pass: the delayed jobs due within it (sleeps, node delays, retry
   * back-off, signal timeouts, schedule ticks, debounce windows, deadlines) run in due order, the
   * clock set to each one's due time, and the queues run until idle after each.
   */
  advance(ms: number): Promise<void>;
  /**
   * Runs until no job waits or runs and no delayed job is due on the virtual clock; no time is skipped.
   * @throws Error when the queues do not go idle within `idleTimeoutMs`
   */
  runUntilIdle(): Promise<void>;
  /** Executes a request of `flow`, runs until idle and answers the request as it then is. */
  run<Result = unknown>(
    flow: string,
    input: unknown,
    options?: ExecuteOptions,
  ): Promise<RunOutcome<Result>>;
  /** A request as it is now: status, result once completed, each node's input, output, attempts and timings. */
  outcome<Result = unknown>(flow: string, requestId: string): Promise<RunOutcome<Result>>;
  /** Delivers a signal to a waiting node (`service.signal`) and runs until idle. */
  signal(flow: string, requestId: string, signal: string, payload?: unknown): Promise<void>;
  /**
   * Replaces a node's handler (`service.replaceStep`, keeping its options): requests executed from now
   * on run `impl`. See {@link failTimes} for a node that fails first.
   */
  mock<I, O>(flow: string, node: string, impl: Handler<I, O>): void;
  /** Closes the service, puts the system clock back, removes the prefix's keys or stops the private Redis. */
  close(): Promise<void>;
}

/** When the open environment of this process was created (the engine's clock is one per process). */
let open: { readonly since: number } | undefined;

/**
 * Starts a test environment: a private `redis-server` (or `redisUrl` under a unique prefix), a
 * {@link FlowService} whose workers run in this process, and a virtual clock the engine reads.
 * One environment at a time per process: the engine reads one clock per process (per loaded copy of
 * `@dagflow/engine`), and the environment installs its virtual clock there. Close it in
 * `afterEach`/`after`.
 * @example
 * ```ts
 * const env = await createTestEnv();
 * env.service.register('greet', (dag) => dag.node('hello', (name: string) => `hello ${name}`));
 * const { result } = await env.run('greet', 'Ada'); // 'hello Ada'
 * await env.close();
 * ```
 * @throws DagflowError `TEST_ENV_OPEN` when another environment of this process is open
 * @throws Error when redis-server cannot start
 */
export async function createTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  if (open !== undefined)
    throw new DagflowError(
      ErrorCode.TEST_ENV_OPEN,
      `A test environment is open in this process already (created at ${new Date(open.since).toISOString()}): ` +
        'the engine has one clock per process, so close it (await env.close(), e.g. in afterEach) before creating another.',
      { details: { since: open.since } },
    );
  const slot = { since: Date.now() };
  open = slot; // taken before the first await: a concurrent call fails too
  const release = (): void => {
    if (open === slot) open = undefined;
  };
  try {
    return await startEnv(options, release);
  } catch (error) {
    release();
    throw error;
  }
}

/** Starts an environment; `release` frees the process's one place once it closed. */
async function startEnv(options: TestEnvOptions, release: () => void): Promise<TestEnv> {
  const server: PrivateRedis | undefined =
    options.redisUrl === undefined ? await startPrivateRedis() : undefined;
  const redisUrl = options.redisUrl ?? server?.url ?? '';
  const prefix = `dagflow-test-${randomBytes(6).toString('hex')}`;
  const clock = new VirtualClock();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const watch = new QueueWatch(redis, prefix, clock);
  let service: FlowService;
  try {
    service = new FlowService({
      logLevel: 'error',
      closeTimeoutMs: 1_000,
      ...options.service,
      redisUrl,
      prefix,
    });
  } catch (error) {
    redis.disconnect(); // an invalid service option: nothing else was opened
    await server?.stop();
    throw error;
  }
  useClock(clock);
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;

  const runUntilIdle = async (): Promise<void> => {
    const deadline = Date.now() + idleTimeoutMs;
    for (let quiet = 0; quiet < QUIET_LOOKS;) {
      if (Date.now() > deadline)
        throw new Error(`The queues did not go idle within ${idleTimeoutMs} ms (idleTimeoutMs).`);
      await watch.discover();
      const due = (await watch.timers()).filter((timer) => timer.due <= clock.now());
      for (const timer of due) await watch.promote(timer);
      quiet = due.length > 0 || (await watch.busy()) ? 0 : quiet + 1;
      await delay(POLL_MS);
    }
  };

  let closed = false;
  const env: TestEnv = {
    service,
    redisUrl,
    prefix,
    now: () => clock.now(),
    runUntilIdle,
    async advance(ms) {
      const until = clock.now() + ms;
      await runUntilIdle();
      for (;;) {
        const dues = (await watch.timers()).map((timer) => timer.due).filter((at) => at <= until);
        if (dues.length === 0) break;
        clock.moveTo(Math.min(...dues));
        await runUntilIdle();
      }
      clock.moveTo(until);
      await runUntilIdle();
    },
    async run<Result>(flow: string, input: unknown, executeOptions?: ExecuteOptions) {
      const requestId = await service.execute(flow, input, executeOptions);
      await runUntilIdle();
      return readOutcome<Result>(service, flow, requestId);
    },
    outcome: (flow, requestId) => readOutcome(service, flow, requestId),
    async signal(flow, requestId, signal, payload = null) {
      await service.signal(flow, requestId, signal, payload);
      await runUntilIdle();
    },
    mock(flow, node, impl) {
      service.replaceStep(flow, node, { handler: impl });
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await service.close();
        await watch.close();
        if (server === undefined) await removeKeys(redis, prefix);
        await redis.quit();
        await server?.stop();
      } finally {
        useClock(undefined);
        release();
      }
    },
  };
  try {
    await service.startWorker();
  } catch (error) {
    await env.close();
    throw error;
  }
  return env;
}

/** Removes every key under `prefix` (the environment's own, on a Redis it shares). */
async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
