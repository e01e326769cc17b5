import { defaultRepeatStrategy, Queue } from 'bullmq';
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

/** What BullMQ keeps of a job scheduler that the virtual due times of its ticks depend on. */
interface Repeat {
  /** Its interval (0 for a cron pattern). */
  readonly every: number;
  readonly pattern?: string;
  readonly tz?: string;
}

/**
 * Watches the BullMQ queues under one prefix: whether any job waits or runs, and which jobs are
 * delayed until when in virtual time. BullMQ keeps a delayed job's due time on the system clock and
 * its delay in the job; the job was delayed at the difference, and is due that delay after the
 * virtual time of that instant. A job scheduler's ticks are the exception: BullMQ computes each tick
 * from the one before, not from when it adds it. An interval's ticks are all shifted into virtual
 * time as its first one was; a cron pattern's are computed again on the virtual clock, tick by tick,
 * so that they fall on the pattern's times there.
 */
export class QueueWatch {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #clock: VirtualClock;
  readonly #queues = new Map<string, Queue>();
  /** Virtual due times by `queue \n job id \n score`: a job delayed again is a new timer. */
  #dues = new Map<string, number>();
  /** How far each interval scheduler's ticks are shifted into virtual time, by `queue \n scheduler id`. */
  readonly #schedulerShifts = new Map<string, number>();
  /** The latest tick of each cron scheduler and pattern, due at `system` on the system clock and `virtual`. */
  readonly #cronTicks = new Map<string, { readonly system: number; readonly virtual: number }>();

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
    // Per job: its delay, and its scheduler's interval or cron pattern (none for other jobs).
    const fields = this.#redis.pipeline();
    for (const job of unseen) {
      const scheduler = schedulerOf(job.jobId);
      fields.hget(`${this.#prefix}:${job.queue}:${job.jobId}`, 'delay');
      fields.hmget(
        `${this.#prefix}:${job.queue}:repeat:${scheduler ?? ''}`,
        'every',
        'pattern',
        'tz',
      );
    }
    const details = (await fields.exec()) ?? [];
    const dues = new Map<string, number>();
    unseen.forEach((job, i) => {
      const systemDue = Math.floor(Number(job.score) / DELAYED_SCORE_FACTOR);
      const delay = Number(details[2 * i]?.[1] ?? 0);
      const [every, pattern, tz] = (details[2 * i + 1]?.[1] ?? []) as (string | null)[];
      const repeat: Repeat = {
        every: Number(every ?? 0),
        ...(pattern == null ? {} : { pattern }),
        ...(tz == null ? {} : { tz }),
      };
      dues.set(key(job), this.#virtualDue({ ...job, systemDue, delay, repeat }));
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
   * delayed at (its system due time less its delay) plus its delay. An interval scheduler's ticks are
   * shifted as its first delayed tick, which came when the schedule was made, one interval before.
   * A cron scheduler's first tick is the pattern's next time after the virtual time it was delayed at;
   * each later one is as many of the pattern's times after the tick before on the virtual clock as
   * BullMQ counted on the system clock (one, unless BullMQ skipped some).
   */
  #virtualDue(job: {
    queue: string;
    jobId: string;
    systemDue: number;
    delay: number;
    repeat: Repeat;
  }): number {
    const { systemDue, delay, repeat } = job;
    const scheduler = schedulerOf(job.jobId);
    if (scheduler === undefined) return this.#clock.at(systemDue - delay) + delay;
    const key = `${job.queue}\n${scheduler}`;
    if (repeat.every > 0 || repeat.pattern === undefined) {
      const made = repeat.every > 0 ? systemDue - repeat.every : systemDue - delay;
      const shift = this.#schedulerShifts.get(key) ?? this.#clock.at(made) - made;
      this.#schedulerShifts.set(key, shift);
      return systemDue + shift;
    }
    const next = (ms: number): number => defaultRepeatStrategy(ms, repeat) ?? Infinity;
    const cronKey = `${key}\n${repeat.pattern}\n${repeat.tz ?? ''}`; // a replaced pattern starts anew
    const before = this.#cronTicks.get(cronKey);
    let virtual: number;
    if (before === undefined || before.system >= systemDue) {
      virtual = next(this.#clock.at(systemDue - delay)); // a new or replaced schedule
    } else {
      virtual = before.virtual;
      for (let system = before.system; system < systemDue; system = next(system))
        virtual = next(virtual);
    }
    this.#cronTicks.set(cronKey, { system: systemDue, virtual });
    return virtual;
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
