import { type JobsOptions, Queue } from 'bullmq';
import type { RedisClient } from '../infra/redis-connection.js';
import type { KeptJobs } from '../config/client-config.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { Keys } from '../format/keys.js';
import { RequestField } from '../format/layout.js';
import { jobId, type NodeJobData, type WakeKind } from '../format/job-layout.js';
import { type Partition, parsePartition } from '../format/partitions.js';
import { TickBatch } from '../store/tick-batch.js';
import { removeWaitingJobs } from './request-jobs.js';
import { FairQueues } from './fair-queues.js';
import type { FairTag } from './fair-options.js';

/** Jobs added per round trip when many steps are released at once (for-each items), at most... */
const BULK_SIZE = 1_000;

/**
 * ...starting with this many and doubling: workers start on the first jobs while the rest is added, and
 * their first fetches do not wait behind a large MULTI.
 */
const FIRST_BULK_SIZE = 100;

/** Up to this many released steps are added one by one. */
const FEW = 8;

/** Options of the job that runs compensations and hooks once a request ended. */
const FINISH_JOB = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: true,
};

/** Partitions of requests remembered, at most (they never change, so a cached one stays right). */
const KNOWN_PARTITIONS = 10_000;

/** How steps are enqueued. */
export interface EnqueueOptions {
  /**
   * The request's partition, when the caller knows it (from the job it runs, or as it placed the
   * request); else it is read from the request's state.
   */
  readonly partition?: Partition;
  /** @defaultValue 0 */
  readonly generation?: number;
  /** BullMQ priority of the request: 1 is the highest; none runs before every prioritised job. */
  readonly priority?: number;
  /**
   * Milliseconds before every job may start: a debounced request's window, a signal's timeout.
   * @defaultValue 0
   */
  readonly delayMs?: number;
  /** The jobs are roots of a debounced request: they wait until its window has passed. */
  readonly debounced?: boolean;
  /** Trace context handed to the jobs (see `tracing.ts`). */
  readonly trace?: Readonly<Record<string, string>> | undefined;
  /** Enqueues wake jobs of waiting steps (see `WakeKind`) instead of the steps' own jobs. */
  readonly wake?: WakeKind;
  /**
   * Inputs handed over in the job data: one for every step of this call, or one per step path (steps
   * without one get none), with the request context.
   */
  readonly inline?: {
    readonly input: string | ReadonlyMap<string, string>;
    readonly context: string | null;
  };
  /**
   * The jobs go with those other calls add to the same queue in this tick, as one `addBulk` (the roots
   * of requests executed together): one round trip for all.
   */
  readonly batched?: boolean;
  /**
   * The request's fair tag, when the caller knows it (a flow with `fairness`); else it is read from the
   * request's state.
   */
  readonly fair?: FairTag;
}

/** One job as `Queue.addBulk` takes it. */
type BulkJob = Parameters<Queue<NodeJobData>['addBulk']>[0][number];

/** One BullMQ queue per flow, named queue and partition; enqueues nodes with deterministic job ids. */
export class NodeQueues {
  readonly #queues = new Map<string, Queue<NodeJobData>>();
  readonly #partitions = new Map<string, Partition>();
  /** Jobs of {@link EnqueueOptions.batched} calls, by queue name. */
  readonly #batched = new TickBatch<BulkJob, unknown>(async (queueName, jobs) => {
    const queue = this.#queues.get(queueName);
    if (queue !== undefined) await queue.addBulk([...jobs]);
    return [];
  });

  /** The fair scheduler of flows with `fairness`: their steps go to BullMQ in their key's turn. */
  readonly fair: FairQueues;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly keep: KeptJobs = { completed: 0, failed: 0 },
  ) {
    this.fair = new FairQueues(redis, keys, (flow, queueName) => this.queueNamed(flow, queueName));
  }

  /**
   * BullMQ options of a step's job (without its id): the plan's (attempts, back-off, delay), with the
   * finished jobs kept as the service says (see `ClientSettings.keepJobs`); a path the plan does not
   * know is the request's finish job.
   */
  jobOptions(plan: FlowPlan, path: string): JobsOptions {
    const own = plan.resolve(path)?.step.jobOptions ?? FINISH_JOB;
    const { completed, failed } = this.keep;
    if (completed === 0 && failed === 0) return own;
    return {
      ...own,
      removeOnComplete: completed === 0 ? true : { count: completed },
      removeOnFail: failed === 0 ? true : { count: failed },
    };
  }

  /**
   * The flow's queue (or one of its named queues) in a partition (the flow's own by default), created
   * on first use on the shared connection.
   */
  queue(flow: string, name = '', partition?: Partition): Queue<NodeJobData> {
    const queueName = this.keys.queueName(flow, name, partition);
    let queue = this.#queues.get(queueName);
    if (queue === undefined) {
      queue = new Queue<NodeJobData>(queueName, {
        connection: this.redis,
        prefix: this.keys.prefix,
        streams: { events: { maxLen: 1_000 } },
      });
      queue.on('error', () => undefined); // connection errors surface on the shared connection
      this.#queues.set(queueName, queue);
    }
    return queue;
  }

  /** The queue of the flow with that BullMQ name (made by `Keys.queueName`). */
  queueNamed(flow: string, queueName: string): Queue<NodeJobData> {
    const dot = queueName.indexOf('}.');
    const name = dot === -1 ? '' : queueName.slice(dot + 2);
    return this.queue(flow, name, this.keys.partitionOfQueue(queueName));
  }

  /** The partition a request was placed in (read once from its state, then remembered). */
  async partitionOf(flow: string, requestId: string): Promise<Partition> {
    const key = `${flow}/${requestId}`;
    const known = this.#partitions.get(key);
    if (known !== undefined) return known;
    const { state } = this.keys.request(flow, requestId);
    const [status, stored] = await this.redis.hmget(
      state,
      RequestField.status,
      RequestField.partition,
    );
    const partition = parsePartition(stored);
    if (status === null) return partition; // not created yet: nothing to remember
    if (this.#partitions.size >= KNOWN_PARTITIONS) this.#partitions.clear();
    this.#partitions.set(key, partition);
    return partition;
  }

  /**
   * Enqueues the steps at `paths` of one request, in bulk (chunks of {@link BULK_SIZE});
   * enqueuing a step twice is harmless.
   */
  async enqueue(
    plan: FlowPlan,
    requestId: string,
    paths: readonly string[],
    options: EnqueueOptions = {},
  ): Promise<void> {
    const byQueue = new Map<string, string[]>();
    for (const path of paths) {
      const name = plan.queueOf(path);
      const group = byQueue.get(name);
      if (group === undefined) byQueue.set(name, [path]);
      else group.push(path);
    }
    if (byQueue.size > 1) {
      await Promise.all(
        [...byQueue].map(([, group]) => this.enqueue(plan, requestId, group, options)),
      );
      return;
    }
    const [queueName = ''] = byQueue.keys();
    const partition = options.partition ?? (await this.partitionOf(plan.name, requestId));
    const queue = this.queue(plan.name, queueName, partition);
    const generation = options.generation ?? 0;
    const { inline } = options;
    const fair = isFair(plan, paths, options)
      ? (options.fair ?? (await this.fair.tagOf(plan, requestId)))
      : undefined;
    const data = (path: string): NodeJobData => ({
      v: plan.version,
      ...(options.trace === undefined ? {} : { t: options.trace }),
      ...(generation === 0 ? {} : { g: generation }),
      ...inlineInput(inline?.input, path),
      ...(inline?.context == null ? {} : { c: inline.context }),
      ...(options.wake === undefined ? {} : { k: options.wake }),
      ...(options.debounced === true ? { d: 1 as const } : {}),
      ...(fair === undefined
        ? {}
        : { f: fair.key, ...(fair.weight === 1 ? {} : { fw: fair.weight }) }),
    });
    const job = (path: string) => ({
      name: path,
      data: data(path),
      opts: {
        ...this.jobOptions(plan, path),
        jobId: jobId(requestId, path, generation, options.wake),
        ...(options.delayMs === undefined ? {} : { delay: options.delayMs }),
        ...(options.priority === undefined ? {} : { priority: options.priority }),
      },
    });
    // A fair flow's steps go to the scheduler (a large release in chunks: one script call each).
    for (let i = 0; fair !== undefined && i < paths.length; i += BULK_SIZE) {
      const jobs = paths
        .slice(i, i + BULK_SIZE)
        .map((path) => ({ queueName: queue.name, job: job(path) }));
      await this.fair.enqueue(plan, partition, jobs, fair);
    }
    if (fair !== undefined) return;
    if (options.batched === true && paths.length <= FEW) {
      await Promise.all(paths.map((path) => this.#batched.add(queue.name, job(path))));
      return;
    }
    // A few jobs go as separate adds (one script call each); addBulk wraps them in MULTI/EXEC.
    if (paths.length <= FEW) {
      await Promise.all(
        paths.map((path) => {
          const { name, data, opts } = job(path);
          return queue.add(name, data, opts);
        }),
      );
      return;
    }
    let size = FIRST_BULK_SIZE;
    for (let i = 0; i < paths.length; i += size, size = Math.min(size * 2, BULK_SIZE)) {
      await queue.addBulk(paths.slice(i, i + size).map(job));
    }
  }

  /**
   * Removes the waiting jobs of a request's steps, of every generation up to `highestGeneration`, from
   * the queues they run on: by id when few, else in bounded scans of each queue (`request-jobs.ts`).
   */
  removeWaitingJobs(
    plan: FlowPlan,
    requestId: string,
    partition: Partition,
    steps: readonly string[],
    highestGeneration: number,
  ): Promise<void> {
    const queueOf = (name: string) => this.queue(plan.name, name, partition);
    return removeWaitingJobs(this.redis, queueOf, plan, { requestId, steps, highestGeneration });
  }

  /**
   * Removes the wake job of kind `wake` of a request's step, if it has not started (an active job is
   * locked and stays).
   */
  async removeWakeJob(
    plan: FlowPlan,
    requestId: string,
    job: { readonly path: string; readonly generation: number; readonly wake: WakeKind },
  ): Promise<void> {
    const partition = await this.partitionOf(plan.name, requestId);
    const queue = this.queue(plan.name, plan.queueOf(job.path), partition);
    await queue.remove(jobId(requestId, job.path, job.generation, job.wake)).catch(() => 0);
  }

  /** Closes every queue (the shared connection stays open). */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    this.#queues.clear();
  }
}

/**
 * Whether the steps go through the fair scheduler: steps of a flow with `fairness`, to run now (not a
 * wake job, a debounced root or a delayed job, which would hold a slot while they wait; not the
 * request's finish job).
 */
function isFair(plan: FlowPlan, paths: readonly string[], options: EnqueueOptions): boolean {
  if (plan.hooks.fairness === undefined) return false;
  if (options.wake !== undefined || options.debounced === true) return false;
  if (options.delayMs !== undefined && options.delayMs > 0) return false;
  return paths.every((path) => plan.resolve(path) !== undefined);
}

function inlineInput(
  input: string | ReadonlyMap<string, string> | undefined,
  path: string,
): { i?: string } {
  const value = typeof input === 'string' ? input : input?.get(path);
  return value === undefined ? {} : { i: value };
}
