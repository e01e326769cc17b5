import type { JobsOptions, Queue } from 'bullmq';
import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { type FairKeys, fairKeys } from '../format/fair-keys.js';
import { DataField, RequestField } from '../format/layout.js';
import type { NodeJobData } from '../format/job-layout.js';
import type { Partition } from '../format/partitions.js';
import { decode } from '../format/codec.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { runScript } from '../store/scripts/scripts.js';
import { TickBatch } from '../store/tick-batch.js';
import { type FairTag, fairTagFor, fairnessOf, parseFairTag } from './fair-options.js';

/** How long the scheduler's keys live after its last call (every call renews it). */
const FAIR_TTL_MS = 7 * 24 * 3_600_000;

/** The window: the live workers' concurrency summed, times this (jobs queue up while others run). */
export const WINDOW_HEADROOM = 4;

/**
 * Job ends are released together when they come within this many ms (or this many at once): one script
 * call and one add for several nodes. The window's headroom keeps the workers busy meanwhile.
 */
const RELEASE_DELAY_MS = 5;
const RELEASE_BATCH = 64;

/** A node in flight longer than this is checked in BullMQ by the reconcile. */
const GRACE_MS = 5_000;

/** Fair tags of requests remembered, at most (they never change). */
const KNOWN_TAGS = 10_000;

/** A node job as `Queue.add` takes it. */
export interface FairJob {
  readonly name: string;
  readonly data: NodeJobData;
  readonly opts: JobsOptions & { readonly jobId: string };
  /** The job waits in BullMQ's delayed set already (see `fair-admission.ts`): promote it. */
  readonly promote?: boolean;
}

/** A job's descriptor as the scheduler keeps it (JSON): its queue's name and the job. */
interface Descriptor {
  readonly q: string;
  readonly n: string;
  readonly d: NodeJobData;
  readonly o: JobsOptions;
  /** {@link FairJob.promote} */
  readonly p?: 1;
}

interface Call {
  readonly plan: FlowPlan;
  readonly partition: Partition;
  readonly args: readonly (string | number)[];
}

/**
 * The fair scheduler of flows with `fairness` (see docs/fairness.md): their node jobs wait in a
 * pending set per flow partition and go to BullMQ in their key's turn (`lua/fairEnqueue.lua`), as the
 * jobs in flight end (`lua/fairRelease.lua`); each worker's reconcile (`lua/fairReconcile.lua`) keeps
 * the window at the live workers' concurrency and mends what a dead process left.
 */
export class FairQueues {
  readonly #tags = new Map<string, FairTag>();
  readonly #enqueues = new TickBatch<Call, undefined>((_group, calls) =>
    this.#call('fairEnqueue', calls),
  );
  readonly #releases = new TickBatch<Call, undefined>(
    (_group, calls) => this.#call('fairRelease', calls),
    RELEASE_BATCH,
    RELEASE_DELAY_MS,
  );

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** The BullMQ queue of a flow with that name (see `NodeQueues.queueNamed`). */
    private readonly queueNamed: (flow: string, queueName: string) => Queue<NodeJobData>,
  ) {}

  /**
   * A request's fair tag: remembered, else read from its state, else (a request created by a process
   * without the flow's code) computed from its stored input.
   */
  async tagOf(plan: FlowPlan, requestId: string): Promise<FairTag> {
    const name = `${plan.name}/${requestId}`;
    const known = this.#tags.get(name);
    if (known !== undefined) return known;
    const { state, data } = this.keys.request(plan.name, requestId);
    let tag = parseFairTag(await this.redis.hget(state, RequestField.fairKey));
    if (tag === undefined) {
      const input = await this.redis.hget(data, DataField.input);
      const fairness = fairnessOf(plan);
      tag =
        fairness === undefined
          ? { key: '', weight: 1 }
          : fairTagFor(fairness, input === null ? null : decode(input));
    }
    this.remember(plan.name, requestId, tag);
    return tag;
  }

  /** Remembers a request's tag (known from its creation or its job's data). */
  remember(flow: string, requestId: string, tag: FairTag): void {
    if (this.#tags.size >= KNOWN_TAGS) this.#tags.clear();
    this.#tags.set(`${flow}/${requestId}`, tag);
  }

  /** Adds jobs of one request to the scheduler; those the window lets in go to BullMQ at once. */
  enqueue(
    plan: FlowPlan,
    partition: Partition,
    jobs: readonly { readonly queueName: string; readonly job: FairJob }[],
    tag: FairTag,
  ): Promise<undefined> {
    const args: (string | number)[] = [];
    for (const { queueName, job } of jobs) {
      const descriptor: Descriptor = {
        q: queueName,
        n: job.name,
        d: job.data,
        o: job.opts,
        ...(job.promote === true ? { p: 1 as const } : {}),
      };
      args.push(job.opts.jobId, tag.key, tag.weight, job.opts.priority ?? 0);
      args.push(JSON.stringify(descriptor));
    }
    return this.#enqueues.add(groupOf(plan, partition), { plan, partition, args });
  }

  /** Gives back the slot of a job that ended; the next jobs go to BullMQ. */
  release(plan: FlowPlan, queueName: string, jobId: string): Promise<undefined> {
    const partition = this.keys.partitionOfQueue(queueName);
    return this.#releases.add(groupOf(plan, partition), { plan, partition, args: [jobId] });
  }

  /**
   * One upkeep round of a worker process serving the partition (`concurrency` 0: it leaves): see
   * `lua/fairReconcile.lua`. Jobs in flight that BullMQ lost are added again (a delivery of a done step
   * changes nothing), finished ones released.
   */
  async reconcile(
    plan: FlowPlan,
    partition: Partition,
    worker: { readonly id: string; readonly concurrency: number; readonly expiresAt: number },
  ): Promise<void> {
    const now = Date.now();
    const args = [
      ...this.#limits(plan, now),
      worker.id,
      worker.concurrency,
      worker.expiresAt,
      WINDOW_HEADROOM,
      GRACE_MS,
    ];
    const fair = this.#fairKeys(plan, partition);
    const [, dispatched, check] = (await runScript(this.redis, 'fairReconcile', fair, args)) as [
      number,
      string[],
      string[],
    ];
    await this.#add(plan.name, dispatched);
    const suspects: { id: string; descriptor: Descriptor }[] = [];
    for (let i = 0; i < check.length; i += 2) {
      const text = check[i + 1] ?? '';
      if (text !== '')
        suspects.push({ id: check[i] ?? '', descriptor: JSON.parse(text) as Descriptor });
    }
    if (suspects.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { id, descriptor } of suspects)
      pipeline.hmget(`${this.keys.prefix}:${descriptor.q}:${id}`, 'timestamp', 'finishedOn');
    const states = (await pipeline.exec()) ?? [];
    const lost: string[] = [];
    const released: Promise<undefined>[] = [];
    suspects.forEach(({ id, descriptor }, i) => {
      const [timestamp, finishedOn] = (states[i]?.[1] ?? []) as (string | null)[];
      if (timestamp == null) lost.push(JSON.stringify(descriptor));
      else if (finishedOn != null) released.push(this.release(plan, descriptor.q, id));
    });
    await Promise.all(released);
    await this.#add(plan.name, lost);
  }

  #limits(plan: FlowPlan, now: number): (string | number)[] {
    const fairness = fairnessOf(plan);
    return [fairness?.min ?? 0, fairness?.max ?? 0, now, FAIR_TTL_MS];
  }

  #fairKeys(plan: FlowPlan, partition: Partition): string[] {
    const k: FairKeys = fairKeys(this.keys, plan.name, partition);
    return [k.active, k.pending, k.jobs, k.running, k.counts, k.weights, k.meta, k.capacity];
  }

  async #call(script: 'fairEnqueue' | 'fairRelease', calls: readonly Call[]): Promise<undefined[]> {
    const [first] = calls;
    if (first === undefined) return [];
    const args = [...this.#limits(first.plan, Date.now()), ...calls.flatMap((call) => call.args)];
    const fair = this.#fairKeys(first.plan, first.partition);
    const [, ...dispatched] = (await runScript(this.redis, script, fair, args)) as string[];
    await this.#add(first.plan.name, dispatched);
    return calls.map(() => undefined);
  }

  /** Adds dispatched jobs to BullMQ (a job id that exists is not added twice). */
  async #add(flow: string, descriptors: readonly string[]): Promise<void> {
    if (descriptors.length === 0) return;
    const byQueue = new Map<string, Descriptor[]>();
    for (const text of descriptors) {
      const descriptor = JSON.parse(text) as Descriptor;
      const group = byQueue.get(descriptor.q);
      if (group === undefined) byQueue.set(descriptor.q, [descriptor]);
      else group.push(descriptor);
    }
    await Promise.all(
      [...byQueue].map(async ([queueName, group]) => {
        const queue = this.queueNamed(flow, queueName);
        const [only] = group;
        if (group.length === 1 && only !== undefined) await queue.add(only.n, only.d, only.o);
        else await queue.addBulk(group.map(({ n, d, o }) => ({ name: n, data: d, opts: o })));
        // A diverted job exists, delayed: its turn came.
        for (const { o, p } of group)
          if (p === 1 && o.jobId !== undefined)
            await (await queue.getJob(o.jobId))?.promote().catch(() => undefined);
      }),
    );
  }
}

function groupOf(plan: FlowPlan, partition: Partition): string {
  return `${plan.name}\n${partition.count}.${partition.index}`;
}
