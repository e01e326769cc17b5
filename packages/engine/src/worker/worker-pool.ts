import { hostname } from 'node:os';
import type { Worker } from 'bullmq';
import type { ResolvedOptions } from '../config.js';
import { startFlowWorker } from './flow-worker.js';
import { RunningJobs } from './running-jobs.js';
import { ENGINE_VERSION } from '../engine-version.js';
import type { WorkerDirectory } from '../worker-directory.js';
import type { ExecutorDeps } from './executor-deps.js';
import type { NodeQueues } from '../node-queues.js';
import type { NodeJobData } from '../store/layout.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { type Registry, WORKER_TTL_MS } from '../registry.js';

/** What the pool needs besides the executor's dependencies. */
export interface PoolDeps {
  readonly executor: ExecutorDeps;
  readonly options: ResolvedOptions;
  readonly registry: Registry;
  readonly queues: NodeQueues;
  readonly workerId: string;
  /** Where this process announces itself and what it runs (`GET /workers`). */
  readonly directory: WorkerDirectory;
}

/** Running nodes listed in a worker's announcement, at most. */
const LISTED_RUNNING = 20;

/**
 * The BullMQ workers of this process, one per flow queue it serves, and their heartbeats in the
 * registry (every third of the worker TTL) so that other processes see which queues are served.
 */
export class WorkerPool {
  readonly #workers: {
    readonly flow: string;
    readonly queue: string;
    readonly worker: Worker<NodeJobData>;
  }[] = [];
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #running = new RunningJobs();
  readonly #startedAt = Date.now();

  constructor(private readonly deps: PoolDeps) {}

  /**
   * Starts workers on these queues of the flow and announces them; `versionOf` gives the plans of other
   * definition versions, for requests that started on them.
   */
  async serve(
    plan: FlowPlan,
    queues: readonly string[],
    versionOf: (version: string) => Promise<FlowPlan>,
  ): Promise<void> {
    const { executor, options, queues: nodeQueues, registry, workerId } = this.deps;
    for (const queue of queues) {
      this.#workers.push({
        flow: plan.name,
        queue,
        worker: startFlowWorker(executor, plan, {
          ...options,
          queue,
          versionOf,
          running: this.#running,
        }),
      });
    }
    if (queues.includes('')) {
      // Flow limits hold on the flow's own queue, across all its workers (BullMQ global settings).
      const { concurrency, rateLimit } = plan.hooks;
      const queue = nodeQueues.queue(plan.name);
      await (typeof concurrency !== 'number'
        ? queue.removeGlobalConcurrency()
        : queue.setGlobalConcurrency(concurrency));
      await (rateLimit === undefined
        ? queue.removeGlobalRateLimit()
        : queue.setGlobalRateLimit(rateLimit.max, rateLimit.durationMs));
    }
    await registry.heartbeat(plan.name, queues, workerId);
    await this.#announce();
    this.#heartbeat ??= setInterval(() => void this.#beat(), WORKER_TTL_MS / 3).unref();
  }

  /** Closes every worker (running jobs get `drainMs`, then are closed hard) and withdraws them. */
  async close(drainMs: number): Promise<void> {
    clearInterval(this.#heartbeat);
    await Promise.all(
      this.#workers.map(({ worker }) =>
        Promise.race([worker.close(), sleep(drainMs).then(() => worker.close(true))]),
      ),
    );
    const byFlow = this.#byFlow();
    this.#workers.length = 0;
    await Promise.race([
      Promise.all([
        ...[...byFlow].map(([flow, queues]) =>
          this.deps.registry.withdraw(flow, queues, this.deps.workerId),
        ),
        this.deps.directory.withdraw(this.deps.workerId),
      ]),
      sleep(drainMs),
    ]).catch(() => undefined);
  }

  async #beat(): Promise<void> {
    try {
      for (const [flow, queues] of this.#byFlow())
        await this.deps.registry.heartbeat(flow, queues, this.deps.workerId);
      await this.#announce();
    } catch (error) {
      this.deps.executor.log.warn('worker heartbeat failed', { error: String(error) });
    }
  }

  async #announce(): Promise<void> {
    await this.deps.directory.announce({
      id: this.deps.workerId,
      host: hostname(),
      pid: process.pid,
      version: ENGINE_VERSION,
      startedAt: this.#startedAt,
      beatAt: Date.now(),
      queues: this.#workers.map(({ flow, queue }) => ({ flow, queue })),
      runningCount: this.#running.size,
      running: this.#running.oldest(LISTED_RUNNING),
    });
  }

  #byFlow(): Map<string, string[]> {
    const byFlow = new Map<string, string[]>();
    for (const { flow, queue } of this.#workers)
      byFlow.set(flow, [...(byFlow.get(flow) ?? []), queue]);
    return byFlow;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
