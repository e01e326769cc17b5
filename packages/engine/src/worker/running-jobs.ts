import { parseJobId } from '../store/layout.js';

/** A node this process is running, as the workers page shows it. */
export interface RunningNode {
  readonly flow: string;
  readonly requestId: string;
  readonly path: string;
  /** When this process took the node's job (ms since epoch). */
  readonly since: number;
}

/** The node jobs this process's workers are running now, for its worker announcement. */
export class RunningJobs {
  readonly #jobs = new Map<string, RunningNode>();

  /** Runs `work` for the job while listing it. */
  async track<T>(flow: string, jobId: string | undefined, work: () => Promise<T>): Promise<T> {
    const ids = parseJobId(jobId ?? '');
    if (ids === undefined) return work();
    const key = `${flow}\u0000${jobId}`;
    this.#jobs.set(key, { flow, ...ids, since: Date.now() });
    try {
      return await work();
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
