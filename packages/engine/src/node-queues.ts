import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FlowPlan } from './flow-plan.js';
import { jobId, type Keys } from './keys.js';

/** Data of a node's BullMQ job: which request, which node. Everything else lives in the request state. */
export interface NodeJobData {
  /** Request id. */
  readonly r: string;
  /** Node path. */
  readonly n: string;
}

/** One BullMQ queue per flow; enqueues nodes with deterministic job ids. */
export class NodeQueues {
  readonly #queues = new Map<string, Queue<NodeJobData>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** The flow's queue, created on first use on the shared connection. */
  queue(flow: string): Queue<NodeJobData> {
    let queue = this.#queues.get(flow);
    if (queue === undefined) {
      queue = new Queue<NodeJobData>(this.keys.queueName(flow), {
        connection: this.redis,
        prefix: this.keys.prefix,
        streams: { events: { maxLen: 1_000 } },
      });
      queue.on('error', () => undefined); // connection errors surface on the shared connection
      this.#queues.set(flow, queue);
    }
    return queue;
  }

  /** Enqueues the nodes at `paths` of one request; enqueuing a node twice is harmless. */
  async enqueue(plan: FlowPlan, requestId: string, paths: readonly string[]): Promise<void> {
    const jobs = paths.map((path) => ({
      name: path,
      data: { r: requestId, n: path },
      opts: { ...plan.node(path)?.jobOptions, jobId: jobId(requestId, path) },
    }));
    const queue = this.queue(plan.name);
    const [single] = jobs;
    if (jobs.length === 1 && single !== undefined) await queue.add(single.name, single.data, single.opts);
    else if (jobs.length > 1) await queue.addBulk(jobs);
  }

  /** Closes every queue (the shared connection stays open). */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    this.#queues.clear();
  }
}
