import { parseJobId } from '../../format/job-layout.js';
import type { RunningNode } from '../../registry/worker-directory.js';

/** The node jobs this process's workers are running now, for its worker announcement. */
export class RunningJobs {
  readonly #jobs = new Map<string, RunningNode>();

  /**
   * Runs `work` for the job while listing it; `work` may say which step the job runs now (a later step
   * of its chain, see `inline-successor.ts`), listed from then on.
   */
  async track<T>(
    flow: string,
    jobId: string | undefined,
    work: (runs: (path: string) => void) => Promise<T>,
  ): Promise<T> {
    const ids = parseJobId(jobId ?? '');
    if (ids === undefined) return work(() => undefined);
    const key = `${flow}\u0000${jobId}`;
    this.#jobs.set(key, { flow, ...ids, since: Date.now() });
    try {
      return await work((path) => {
        if (this.#jobs.has(key)) this.#jobs.set(key, { flow, ...ids, path, since: Date.now() });
      });
    } finally {
      this.#jobs.delete(key);
    }
  }

  /** How many jobs run now. */
  get size(): number {
    return this.#jobs.size;
  }

  /** The `limit` longest-running nodes, oldest first. */
  oldest(limit: number): RunningNode[] {
    return [...this.#jobs.values()].sort((a, b) => a.since - b.since).slice(0, limit);
  }
}
