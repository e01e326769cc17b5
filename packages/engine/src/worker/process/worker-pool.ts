import { hostname } from 'node:os';
import type { Worker } from 'bullmq';
import type { ClientConfig } from '../../config/client-config.js';
import type { WorkerConfig } from '../../config/worker-config.js';
import { startFlowWorker } from './flow-worker.js';
import { promoteRunnable } from '../step/step-give-back.js';
import { RunningJobs } from './running-jobs.js';
import type { RequestListening } from './request-listening.js';
import { ENGINE_VERSION } from '../../infra/engine-version.js';
import type { WorkerDirectory } from '../../registry/worker-directory.js';
import type { ExecutorDeps } from '../step/executor-deps.js';
import type { NodeJobData } from '../../format/job-layout.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import { type Registry, WORKER_TTL_MS } from '../../registry/registry.js';
import type { FlowPartitions } from '../../queue/flow-partitions.js';
import { FairUpkeep, type FairServed } from './fair-upkeep.js';

/** What the pool needs besides the executor's dependencies. */
export interface PoolDeps {
  /** The services of every worker's jobs (each worker makes its executor from them). */
  readonly executor: ExecutorDeps;
  /** The client and worker parts of the configuration (concurrency, locks, stall checks). */
  readonly options: ClientConfig & WorkerConfig;
  /** Listens to the requests whose jobs run here. */
  readonly listening: RequestListening;
  /** Where the queues served here are announced by heartbeat. */
  readonly registry: Registry;
  /** This process's worker id, in its heartbeats and announcements. */
  readonly workerId: string;
  /** Where this process announces itself and what it runs (`GET /workers`). */
  readonly directory: WorkerDirectory;
  /** The partitions of each flow to serve. */
  readonly partitions: FlowPartitions;
}

/** A flow's queues served here, as `serve` was called. */
interface Serving {
  readonly plan: FlowPlan;
  readonly queues: readonly string[];
  readonly versionOf: (version: string) => Promise<FlowPlan>;
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
    /** The BullMQ queue name (the queue in one partition). */
    readonly queueName: string;
    readonly worker: Worker<NodeJobData>;
  }[] = [];
  readonly #serving: Serving[] = [];
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #running = new RunningJobs();
  readonly #startedAt = Date.now();
  readonly #fair: FairUpkeep;

  constructor(private readonly deps: PoolDeps) {
    const worker = { id: deps.workerId, concurrency: deps.options.workerConcurrency };
    this.#fair = new FairUpkeep(deps.executor.queues, worker, deps.executor.log, () =>
      this.#fairServed(),
    );
  }

  /**
   * Starts workers on these queues of the flow and announces them; `versionOf` gives the plans of other
   * definition versions, for requests that started on them.
   */
  async serve(
    plan: FlowPlan,
    queues: readonly string[],
    versionOf: (version: string) => Promise<FlowPlan>,
  ): Promise<void> {
    const serving = { plan, queues, versionOf };
    this.#serving.push(serving);
    await this.#startMissing(serving, await this.deps.partitions.countOf(plan));
    await this.deps.registry.heartbeat(plan.name, queues, this.deps.workerId);
    await this.#announceSteps(plan.name);
    await this.#announce();
    await promoteRunnable(this.deps.executor, plan);
    if (plan.hooks.fairness !== undefined) await this.#fair.start();
    this.#heartbeat ??= setInterval(() => void this.#beat(), WORKER_TTL_MS / 3).unref();
  }

  /**
   * Starts a worker on each queue of the flow in every partition a request may be in that has none
   * yet (a count recorded since by another process adds partitions: they are picked up at the next
   * heartbeat).
   */
  async #startMissing(serving: Serving, count?: number): Promise<void> {
    const { plan, queues, versionOf } = serving;
    const { executor, options } = this.deps;
    for (const partition of await this.deps.partitions.served(plan.name, count)) {
      for (const queue of queues) {
        const queueName = executor.keys.queueName(plan.name, queue, partition);
        if (this.#workers.some((started) => started.queueName === queueName)) continue;
        this.#workers.push({
          flow: plan.name,
          queue,
          queueName,
          worker: startFlowWorker(executor, plan, {
            ...options,
            queue,
            partition,
            versionOf,
            running: this.#running,
            listening: this.deps.listening,
          }),
        });
        if (queue !== '') continue;
        // Flow limits hold on each partition of the flow's own queue, across all its workers (BullMQ
        // global settings).
        const { concurrency, rateLimit } = plan.hooks;
        const limited = executor.queues.queue(plan.name, '', partition);
        await (typeof concurrency !== 'number'
          ? limited.removeGlobalConcurrency()
          : limited.setGlobalConcurrency(concurrency));
        // A keyed rate limit is applied per request at its root (`queue/rate-keys.ts`).
        await (rateLimit === undefined || rateLimit.key !== undefined
          ? limited.removeGlobalRateLimit()
          : limited.setGlobalRateLimit(rateLimit.max, rateLimit.durationMs));
      }
    }
  }

  /** Closes every worker (running jobs get `drainMs`, then are closed hard) and withdraws them. */
  async close(drainMs: number): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#fair.close().catch(() => undefined);
    this.#serving.length = 0;
    await Promise.all(
      this.#workers.map(({ worker }) =>
        Promise.race([worker.close(), sleep(drainMs).then(() => worker.close(true))]),
      ),
    );
    const byFlow = this.#byFlow();
    this.#workers.length = 0;
    await Promise.race([
      Promise.all([
        ...[...byFlow].flatMap(([flow, queues]) => [
          this.deps.registry.withdraw(flow, queues, this.deps.workerId),
          this.deps.executor.capability.withdraw(flow, this.deps.workerId),
        ]),
        this.deps.directory.withdraw(this.deps.workerId),
      ]),
      sleep(drainMs),
    ]).catch(() => undefined);
  }

  async #beat(): Promise<void> {
    try {
      for (const serving of this.#serving) await this.#startMissing(serving);
      for (const [flow, queues] of this.#byFlow()) {
        await this.deps.registry.heartbeat(flow, queues, this.deps.workerId);
        await this.#announceSteps(flow);
      }
      await this.#announce();
      for (const { plan } of this.#serving) await promoteRunnable(this.deps.executor, plan);
    } catch (error) {
      this.deps.executor.log.warn('worker heartbeat failed', { error: String(error) });
    }
  }

  /** Announces the steps of the flow this process has code for (see `step-capability.ts`). */
  async #announceSteps(flow: string): Promise<void> {
    const steps = new Set(
      this.#serving.filter(({ plan }) => plan.name === flow).flatMap(({ plan }) => plan.codeSteps),
    );
    await this.deps.executor.capability.announce(flow, this.deps.workerId, [...steps]);
  }

  async #announce(): Promise<void> {
    await this.deps.directory.announce({
      id: this.deps.workerId,
      host: hostname(),
      pid: process.pid,
      version: ENGINE_VERSION,
      startedAt: this.#startedAt,
      beatAt: Date.now(),
      queues: [...this.#byFlow()].flatMap(([flow, queues]) =>
        queues.map((queue) => ({ flow, queue })),
      ),
      runningCount: this.#running.size,
      running: this.#running.oldest(LISTED_RUNNING),
    });
  }

  /** The partitions of flows with `fairness` served here (each once, whatever the queues). */
  #fairServed(): FairServed[] {
    const served = new Map<string, FairServed>();
    for (const { plan } of this.#serving) {
      if (plan.hooks.fairness === undefined) continue;
      for (const { flow, queueName } of this.#workers)
        if (flow === plan.name && !served.has(queueName.slice(0, queueName.indexOf('}') + 1)))
          served.set(queueName.slice(0, queueName.indexOf('}') + 1), {
            plan,
            partition: this.deps.executor.keys.partitionOfQueue(queueName),
          });
    }
    return [...served.values()];
  }

  /** The queues served per flow (each once, whatever the partitions). */
  #byFlow(): Map<string, string[]> {
    const byFlow = new Map<string, Set<string>>();
    for (const { flow, queue } of this.#workers)
      byFlow.set(flow, (byFlow.get(flow) ?? new Set<string>()).add(queue));
    return new Map([...byFlow].map(([flow, queues]) => [flow, [...queues]]));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
