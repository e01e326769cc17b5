import type { Logger } from '../../infra/logger.js';
import type { Partition } from '../../format/partitions.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { NodeQueues } from '../../queue/node-queues.js';
import { WORKER_TTL_MS } from '../../registry/registry.js';

/** How often a worker process reconciles the fair schedulers of the partitions it serves. */
const UPKEEP_MS = 2_000;

/** A flow partition with `fairness` this process serves. */
export interface FairServed {
  readonly plan: FlowPlan;
  readonly partition: Partition;
}

/**
 * The fair schedulers' upkeep in a worker process (`queue/fair-queues.ts`): every {@link UPKEEP_MS} it
 * announces its concurrency to each fair partition it serves (the window is their sum), dispatches
 * what the window lets in, adds again the jobs a dead process dispatched but never added, and releases
 * those that ended without a release (a process killed after the job's end, a job that stalled too
 * often). On close it withdraws its concurrency.
 */
export class FairUpkeep {
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> = Promise.resolve();

  constructor(
    private readonly queues: NodeQueues,
    private readonly worker: { readonly id: string; readonly concurrency: number },
    private readonly log: Logger,
    /** The fair partitions served now. */
    private readonly served: () => readonly FairServed[],
  ) {}

  /** Runs a round now (a new partition gets its window at once) and then every few seconds. */
  async start(): Promise<void> {
    this.#timer ??= setInterval(() => void this.#run(this.worker.concurrency), UPKEEP_MS).unref();
    await this.#run(this.worker.concurrency);
  }

  /** Stops the rounds and withdraws this process's concurrency. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round;
    await this.#run(0);
  }

  #run(concurrency: number): Promise<void> {
    const expiresAt = Date.now() + WORKER_TTL_MS;
    const worker = { id: this.worker.id, concurrency, expiresAt };
    this.#round = this.#round.then(() =>
      Promise.all(
        this.served().map(({ plan, partition }) =>
          this.queues.fair.reconcile(plan, partition, worker).catch((error: unknown) =>
            this.log.warn('fair scheduler upkeep failed', {
              flow: plan.name,
              error: String(error),
            }),
          ),
        ),
      ).then(() => undefined),
    );
    return this.#round;
  }
}
