import type { Job } from 'bullmq';
import type { RedisClient } from '../../infra/redis-connection.js';
import type { Logger } from '../../infra/logger.js';

/**
 * The jobs one BullMQ worker is running, with their lock tokens, so that their locks are renewed as soon
 * as the Redis connection is back after an outage (a restart, a network cut) instead of at the next
 * renewal tick: a lock that lapses during a short outage would let another worker take the node over and
 * run it a second time. A lock found lost is logged; the node's late result is then fenced off (see
 * `lua/beginNode.lua`) if another worker began it.
 */
export class LockRecheck {
  readonly #running = new Map<string, string>();
  readonly #onReady: () => void;

  /**
   * @param extend renews locks: BullMQ's `worker.extendJobLocks`, answering the ids it could not renew
   */
  constructor(
    private readonly extend: (
      ids: string[],
      tokens: string[],
      durationMs: number,
    ) => Promise<string[]>,
    private readonly redis: RedisClient,
    private readonly options: { readonly lockDurationMs: number; readonly log: Logger },
  ) {
    this.#onReady = () => {
      this.#renew().catch((error: unknown) =>
        options.log.warn('could not renew node locks after a reconnect', { error: String(error) }),
      );
    };
    redis.on('ready', this.#onReady);
  }

  /** Runs `work` for `job` while tracking its lock token. */
  async track<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
    const id = job.id;
    if (id === undefined || token === undefined) return work();
    this.#running.set(id, token);
    try {
      return await work();
    } finally {
      this.#running.delete(id);
    }
  }

  /** Stops listening to the connection. */
  close(): void {
    this.redis.off('ready', this.#onReady);
  }

  async #renew(): Promise<void> {
    if (this.#running.size === 0) return;
    const ids = [...this.#running.keys()];
    const lost = await this.extend(
      ids,
      ids.map((id) => this.#running.get(id) ?? ''),
      this.options.lockDurationMs,
    );
    if (lost.length > 0) {
      this.options.log.warn('lost the lock of running nodes during a Redis outage', {
        jobs: lost,
        renewed: ids.length - lost.length,
      });
    }
  }
}
