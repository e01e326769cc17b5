import type { RedisClient } from '../infra/redis-connection.js';
import { WORKER_TTL_MS } from './registry.js';
import type { Keys } from '../format/keys.js';

/** A node this process is running, as the workers page shows it. */
export interface RunningNode {
  readonly flow: string;
  readonly requestId: string;
  readonly path: string;
  /** When this process took the node's job (ms since epoch). */
  readonly since: number;
}

/** What a worker process announces of itself with each heartbeat (`GET /workers`). */
export interface WorkerInfo {
  /** The process's worker id (a UUID per `FlowService`). */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The `@dagflow/engine` version it runs. */
  readonly version: string;
  /** When it started serving (ms since epoch). */
  readonly startedAt: number;
  /** Its last heartbeat (ms since epoch); it counts as live for 15 s after it. */
  readonly beatAt: number;
  /** The queues it serves: a flow and one of its queues (`''`: the flow's own). */
  readonly queues: readonly { readonly flow: string; readonly queue: string }[];
  /** How many nodes it runs now. */
  readonly runningCount: number;
  /** The nodes it has run longest, at most 20. */
  readonly running: readonly RunningNode[];
}

/** Live worker processes and what they run: each announces itself in one hash, read by any process. */
export class WorkerDirectory {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Announces (or refreshes) a worker process. */
  async announce(info: WorkerInfo): Promise<void> {
    await this.redis.hset(this.keys.workerInfo, info.id, JSON.stringify(info));
  }

  /** Withdraws a worker process (on close). */
  async withdraw(id: string): Promise<void> {
    await this.redis.hdel(this.keys.workerInfo, id);
  }

  /** Live worker processes, by host and pid; those silent longer than the worker TTL are dropped. */
  async list(): Promise<WorkerInfo[]> {
    const entries = await this.redis.hgetall(this.keys.workerInfo);
    const now = Date.now();
    const live: WorkerInfo[] = [];
    const expired: string[] = [];
    for (const [id, text] of Object.entries(entries)) {
      const info = JSON.parse(text) as WorkerInfo;
      if (info.beatAt + WORKER_TTL_MS < now) expired.push(id);
      else live.push(info);
    }
    if (expired.length > 0) await this.redis.hdel(this.keys.workerInfo, ...expired);
    return live.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
  }
}
