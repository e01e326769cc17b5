/**
 * Request/reply as a BullMQ user writes it: `queue.add` one job, then `job.waitUntilFinished(queueEvents)`
 * for its return value. The worker process runs a worker that returns the job's data (as dagflow's
 * no-op node returns its input); the driver (or the express server of the HTTP row) adds and waits.
 */
import { type Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { timed } from '../stats.js';
import { type BenchTarget, bullmqConnection } from '../target.js';
import type { StartSpec } from '../protocol.js';
import type { Served } from './shape.js';

/** The queue of the request/reply rows. */
export const REPLY_QUEUE = 'reply';

/**
 * Keep the last 1,000 completed jobs: `waitUntilFinished` checks the job's state once it listens, and a
 * job removed on completion before that check would read as missing (a failure). dagflow keeps a
 * request's result for its TTL too.
 */
export const REPLY_JOB_OPTIONS = { removeOnComplete: 1000 } as const;

const WAIT_MS = 300_000;

/** Worker side: a worker on the reply queue whose processor returns the job's data. */
export function serveRawReply(spec: StartSpec): Promise<Served> {
  const connection = bullmqConnection(spec.target);
  const worker = new Worker(REPLY_QUEUE, (job: Job) => Promise.resolve(job.data as unknown), {
    connection,
    prefix: spec.prefix,
    concurrency: spec.concurrency,
  });
  return Promise.resolve({
    async close() {
      await worker.close();
      connection.disconnect();
    },
  });
}

/** A producer's side of request/reply: a queue on a shared connection and a `QueueEvents` of its own. */
export interface ReplyClient {
  /** Adds one job and waits for its return value. */
  request(data: unknown, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

/** Opens a {@link ReplyClient} on `prefix`; resolves once its `QueueEvents` listens. */
export async function replyClient(
  target: BenchTarget,
  prefix: string,
  redis?: Redis,
): Promise<ReplyClient> {
  const queueConnection = redis ?? bullmqConnection(target);
  const eventsConnection = bullmqConnection(target);
  const queue = new Queue(REPLY_QUEUE, { connection: queueConnection, prefix });
  const events = new QueueEvents(REPLY_QUEUE, { connection: eventsConnection, prefix });
  // Each waiting job listens for the queue's `closing`: hundreds wait at once, as intended.
  queue.setMaxListeners(0);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    async request(data, timeoutMs = WAIT_MS) {
      const job = await queue.add('one', data, REPLY_JOB_OPTIONS);
      return (await job.waitUntilFinished(events, timeoutMs)) as unknown;
    },
    async close() {
      await events.close();
      await queue.close();
      eventsConnection.disconnect();
      if (redis === undefined) queueConnection.disconnect();
    },
  };
}

/**
 * `count` requests with `inFlight` outstanding at any time (each of `inFlight` loops sends one and
 * waits for its reply before the next); answers the ms. `send` is one request and its reply.
 */
export function inFlight(
  send: (i: number) => Promise<unknown>,
  count: number,
  inFlightCount: number,
): Promise<number> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < count) await send(next++);
  };
  return timed(async () => {
    await Promise.all(Array.from({ length: Math.min(inFlightCount, count) }, loop));
  });
}

/** `count` requests one at a time; answers each one's ms (sent to reply). */
export async function oneByOne(
  send: (i: number) => Promise<unknown>,
  count: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await timed(() => send(i).then(() => undefined)));
  return samples;
}
