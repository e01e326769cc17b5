import { CHAOS_FLOW } from '../fixtures/chaos-flow.mjs';
import type { ChaosCluster } from './cluster.js';
import type { Timeline } from './timeline.js';

/** A node may be `queued` with an active job for a moment (between the fetch and `beginNode`); not longer. */
const GRACE_MS = 2_000;

/** Request id and step path of a dagflow job id (`<requestId>|<path>[|<generation>]`, `%`-escaped). */
function parse(jobId: string): { requestId: string; path: string } | undefined {
  const [requestId, path] = jobId.replace(/%3A/g, ':').replace(/%25/g, '%').split('|');
  return requestId === undefined || path === undefined ? undefined : { requestId, path };
}

/**
 * Samples invariant 4: every active job of the chaos queue whose node the request state calls `queued`
 * is remembered; one still so after {@link GRACE_MS} is recorded in the timeline.
 */
export class QueuedActiveSampler {
  readonly #since = new Map<string, number>();
  readonly #reported = new Set<string>();

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly timeline: Timeline,
  ) {}

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
        if (now - since >= GRACE_MS && !this.#reported.has(jobId)) {
          this.#reported.add(jobId);
          const lockTtlMs = await cluster.log.redis.pttl(
            `${cluster.prefix}:{${CHAOS_FLOW}}:${jobId}:lock`,
          );
          timeline.queuedWhileActive.push({
            jobId,
            ...ids,
            forMs: now - since,
            status: state.status,
            lockTtlMs,
          });
        }
      }
      for (const jobId of this.#since.keys()) if (!seen.has(jobId)) this.#since.delete(jobId);
      timeline.samples += 1;
    } catch {
      timeline.clientErrors += 1;
    }
  }
}
