import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { WORKER_TTL_MS } from './registry.js';

/** How long a process reuses what it read of a flow's capable workers. */
const CACHE_MS = 1_000;

/** A job that waits because no live worker can run its step (see `Keys.unavailable`). */
export interface UnavailableJob {
  readonly queueName: string;
  readonly jobId: string;
  /** The step's template. */
  readonly template: string;
}

/**
 * Which live worker processes can run which steps of a flow: each worker announces, with its heartbeat,
 * the step templates its code has (a request of another version runs each node with the code of the
 * process that takes it), and the jobs that no live worker can run wait in a set until one starts.
 */
export class StepCapability {
  readonly #cache = new Map<
    string,
    { readonly at: number; readonly counts: Map<string, number> }
  >();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Announces that `workerId` has code for these steps of the flow, for the next worker TTL. */
  async announce(flow: string, workerId: string, templates: readonly string[]): Promise<void> {
    const until = Date.now() + WORKER_TTL_MS;
    await this.redis.hset(
      this.keys.capable(flow),
      workerId,
      `${until} ${JSON.stringify(templates)}`,
    );
  }

  /** Withdraws a worker (on close). */
  async withdraw(flow: string, workerId: string): Promise<void> {
    await this.redis.hdel(this.keys.capable(flow), workerId);
  }

  /**
   * Live workers per step template of the flow (read at most once a second per process; `fresh` reads
   * now); expired entries are dropped.
   */
  async counts(flow: string, fresh = false): Promise<Map<string, number>> {
    const cached = this.#cache.get(flow);
    if (!fresh && cached !== undefined && Date.now() - cached.at < CACHE_MS) return cached.counts;
    const entries = await this.redis.hgetall(this.keys.capable(flow));
    const now = Date.now();
    const counts = new Map<string, number>();
    const expired: string[] = [];
    for (const [workerId, value] of Object.entries(entries)) {
      const space = value.indexOf(' ');
      if (Number(value.slice(0, space)) < now) {
        expired.push(workerId);
        continue;
      }
      for (const template of JSON.parse(value.slice(space + 1)) as string[])
        counts.set(template, (counts.get(template) ?? 0) + 1);
    }
    if (expired.length > 0) await this.redis.hdel(this.keys.capable(flow), ...expired);
    this.#cache.set(flow, { at: now, counts });
    return counts;
  }

  /** Records a job whose step no live worker can run (the first time is kept). */
  async park(flow: string, job: UnavailableJob, since: number): Promise<void> {
    await this.redis.zadd(this.keys.unavailable(flow), 'NX', since, memberOf(job));
  }

  /** The jobs of the flow that wait for a worker with their step's code, oldest first, at most `limit`. */
  async parked(flow: string, limit: number): Promise<UnavailableJob[]> {
    const members = await this.redis.zrange(this.keys.unavailable(flow), 0, limit - 1);
    return members.map((member) => {
      const [queueName = '', jobId = '', template = ''] = JSON.parse(member) as string[];
      return { queueName, jobId, template };
    });
  }

  /** Forgets parked jobs (run, or gone). */
  async unpark(flow: string, jobs: readonly UnavailableJob[]): Promise<void> {
    if (jobs.length > 0) await this.redis.zrem(this.keys.unavailable(flow), ...jobs.map(memberOf));
  }
}

function memberOf(job: UnavailableJob): string {
  return JSON.stringify([job.queueName, job.jobId, job.template]);
}
