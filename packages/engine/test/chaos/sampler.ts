import { CHAOS_FLOW } from '../fixtures/chaos-flow.mjs';
import type { ChaosCluster } from './cluster.js';
import type { Timeline } from './timeline.js';

/**
 * A node may be `queued` with an active job for a moment: between the fetch and `beginNode`, and while a
 * connection cut (at most 3 s here) delays `beginNode`. A job whose worker died before it began the node,
 * or whose fetch reply a Redis restart lost, stays so until the stalled check hands it on: at most the
 * lock plus the stalled interval (docs/reliability.md), plus this grace.
 */
const GRACE_MS = 3_500;

/** Request id and step path of a dagflow job id (`<requestId>|<path>[|<generation>]`, `%`-escaped). */
function parse(jobId: string): { requestId: string; path: string } | undefined {
  const [requestId, path] = jobId.replace(/%3A/g, ':').replace(/%25/g, '%').split('|');
  return requestId === undefined || path === undefined ? undefined : { requestId, path };
}

/**
 * Samples invariant 4: every active job of the chaos queue whose node the request state calls `queued`
 * is remembered; one still so after the lock, the stalled interval and {@link GRACE_MS} is recorded in the timeline, with how long it has
 * been so (updated at each sample while it lasts).
 */
export class QueuedActiveSampler {
  readonly #since = new Map<string, number>();
  /** Index in `timeline.queuedWhileActive` of each job reported, updated while it stays so. */
  readonly #reported = new Map<string, number>();

  /** How long a job may stay active while its node reads `queued`. */
  readonly #limitMs: number;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly timeline: Timeline,
    recovery: { readonly lockMs: number; readonly stalledMs: number },
  ) {
    this.#limitMs = recovery.lockMs + recovery.stalledMs + GRACE_MS;
  }

  /** One sample; errors (Redis down) skip it. */
  async sample(): Promise<void> {
    const { cluster, timeline } = this;
    try {
      const active = await cluster.log.redis.lrange(
        `${cluster.prefix}:{${CHAOS_FLOW}}:active`,
        0,
        -1,
      );
      const now = Date.now();
      const seen = new Set<string>();
      for (const jobId of active) {
        const ids = parse(jobId);
        if (ids === undefined) continue;
        const state = await cluster.client.state(CHAOS_FLOW, ids.requestId);
        if (state.nodes[ids.path]?.status !== 'queued') continue;
        seen.add(jobId);
        const since = this.#since.get(jobId) ?? now;
        this.#since.set(jobId, since);
        if (now - since < this.#limitMs) continue;
        const lockTtlMs = await cluster.log.redis.pttl(
          `${cluster.prefix}:{${CHAOS_FLOW}}:${jobId}:lock`,
        );
        const record = { jobId, ...ids, forMs: now - since, status: state.status, lockTtlMs };
        const index = this.#reported.get(jobId);
        if (index === undefined) {
          this.#reported.set(jobId, timeline.queuedWhileActive.length);
          timeline.queuedWhileActive.push(record);
        } else timeline.queuedWhileActive[index] = record;
      }
      for (const jobId of this.#since.keys()) if (!seen.has(jobId)) this.#since.delete(jobId);
      timeline.samples += 1;
    } catch {
      timeline.clientErrors += 1;
    }
  }
}
