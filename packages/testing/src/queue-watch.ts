import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { VirtualClock } from './virtual-clock.js';

/** BullMQ orders its delayed set by `due * 0x1000 + counter` (see its `getDelayedScore.lua`). */
const DELAYED_SCORE_FACTOR = 0x1000;

/** A delayed BullMQ job and when it is due on the virtual clock. */
export interface Timer {
  readonly queue: string;
  readonly jobId: string;
  readonly due: number;
}

/**
 * Watches the BullMQ queues under one prefix: whether any job waits or runs, and which jobs are
 * delayed until when in virtual time. BullMQ keeps a delayed job's due time on the system clock and
 * its delay in the job; the job was delayed at the difference, and is due that delay after the
 * virtual time of that instant. A job scheduler's ticks are the exception: BullMQ computes each tick
 * from the one before, not from when it adds it, so all of a scheduler's ticks are shifted into
 * virtual time as its first delayed tick was: exactly for an interval; a cron pattern's ticks come
 * early by the few system milliseconds between the schedule's creation and its first delayed tick.
 */
export class QueueWatch {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #clock: VirtualClock;
  readonly #queues = new Map<string, Queue>();
  /** Virtual due times by `queue \n job id \n score`: a job delayed again is a new timer. */
  #dues = new Map<string, number>();
  /** How far each job scheduler's ticks are shifted into virtual time, by `queue \n scheduler id`. */
  readonly #schedulerShifts = new Map<string, number>();

  constructor(redis: Redis, prefix: string, clock: VirtualClock) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#clock = clock;
  }

  /** Finds the queues that have appeared since the last look (dagflow names them `{flow}...`). */
  async discover(): Promise<void> {
    const head = `${this.#prefix}:`;
    const pattern = `${globEscape(head)}{*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const name = /^(\{[^}]*\}[^:]*):(?:meta|id|wait|active|delayed|prioritized)$/.exec(
          key.slice(head.length),
        )?.[1];
        if (name !== undefined && !this.#queues.has(name))
          this.#queues.set(
            name,
            new Queue(name, { connection: this.#redis, prefix: this.#prefix }),
          );
      }
    } while (cursor !== '0');
  }

  /** Whether a job waits or runs in any known queue. */
  async busy(): Promise<boolean> {
    const names = [...this.#queues.keys()];
    if (names.length === 0) return false;
    const keys = names.flatMap((name) =>
      ['wait', 'active', 'prioritized'].map((set) => `${this.#prefix}:${name}:${set}`),
    );
    return (await this.#redis.exists(...keys)) > 0;
  }

  /** Every delayed job of the known queues, with its virtual due time. */
  async timers(): Promise<Timer[]> {
    const names = [...this.#queues.keys()];
    const ranges = this.#redis.pipeline();
    for (const name of names) ranges.zrange(`${this.#prefix}:${name}:delayed`, 0, -1, 'WITHSCORES');
    const replies = (await ranges.exec()) ?? [];
    const found = names.flatMap((queue, i) => {
      const members = (replies[i]?.[1] ?? []) as string[];
      const jobs: { queue: string; jobId: string; score: string }[] = [];
      for (let m = 0; m + 1 < members.length; m += 2)
        jobs.push({ queue, jobId: members[m] ?? '', score: members[m + 1] ?? '0' });
      return jobs;
    });
    const key = (job: (typeof found)[number]) => `${job.queue}\n${job.jobId}\n${job.score}`;
    const unseen = found.filter((job) => !this.#dues.has(key(job)));
    // Per job: its delay, and the interval of its scheduler (none for other jobs and cron patterns).
    const fields = this.#redis.pipeline();
    for (const job of unseen) {
      const scheduler = schedulerOf(job.jobId);
      fields.hget(`${this.#prefix}:${job.queue}:${job.jobId}`, 'delay');
      fields.hget(`${this.#prefix}:${job.queue}:repeat:${scheduler ?? ''}`, 'every');
    }
    const details = (await fields.exec()) ?? [];
    const dues = new Map<string, number>();
    unseen.forEach((job, i) => {
      const systemDue = Math.floor(Number(job.score) / DELAYED_SCORE_FACTOR);
      const delay = Number(details[2 * i]?.[1] ?? 0);
      const every = Number(details[2 * i + 1]?.[1] ?? 0);
      dues.set(key(job), this.#virtualDue({ ...job, systemDue, delay, every }));
    });
    const timers = found.map((job) => {
      const due = this.#dues.get(key(job)) ?? dues.get(key(job)) ?? 0;
      dues.set(key(job), due);
      return { queue: job.queue, jobId: job.jobId, due };
    });
    this.#dues = dues;
    return timers;
  }

  /** Moves a delayed job to its queue's waiting jobs; nothing if it is not delayed any more. */
  async promote(timer: Timer): Promise<void> {
    const job = await this.#queues.get(timer.queue)?.getJob(timer.jobId);
    await job?.promote().catch(() => undefined); // it started meanwhile (BullMQ's own promotion)
  }

  /** Closes the queue handles (the connection is the caller's). */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    this.#queues.clear();
  }

  /**
   * A delayed job's due time on the virtual clock: the virtual time of the system instant it was
   * delayed at (its system due time less its delay) plus its delay. A scheduler's ticks are shifted as
   * its first delayed tick, first seen in the clock setting the schedule was made in: an interval's
   * first tick came when it was made, one interval before; a cron pattern's, when it was delayed.
   */
  #virtualDue(job: {
    queue: string;
    jobId: string;
    systemDue: number;
    delay: number;
    every: number;
  }): number {
    const { systemDue, delay, every } = job;
    const scheduler = schedulerOf(job.jobId);
    if (scheduler === undefined) return this.#clock.at(systemDue - delay) + delay;
    const key = `${job.queue}\n${scheduler}`;
    const made = every > 0 ? systemDue - every : systemDue - delay;
    const shift = this.#schedulerShifts.get(key) ?? this.#clock.at(made) - made;
    this.#schedulerShifts.set(key, shift);
    return systemDue + shift;
  }
}

/** The scheduler of a job scheduler's tick (`repeat:<scheduler id>:<ms>`), else undefined. */
function schedulerOf(jobId: string): string | undefined {
  return /^repeat:(.*):\d+$/.exec(jobId)?.[1];
}

/** `text` with Redis glob characters escaped, for SCAN's MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\{}]/g, (c) => `\\${c}`);
}
