import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { readEach } from '../store/reads/read-each.js';
import { RequestField } from '../format/layout.js';

/** How many of a flow's newest requests are checked for the versions they run on. */
const LIVE_SCAN = 5_000;

/** Statuses in which a request may still run steps of its version. */
const LIVE: ReadonlySet<string> = new Set(['pending', 'running', 'paused']);

/**
 * Keeps at most `max` published versions of a flow: the most recently published ones, plus every version
 * that one of the flow's newest 5,000 requests still pending, running or paused runs on (a request
 * older than those is not checked). Answers the versions dropped.
 */
export async function capVersions(
  redis: RedisClient,
  keys: Keys,
  flow: string,
  max: number,
): Promise<string[]> {
  const versionsKey = keys.versions(flow);
  if ((await redis.hlen(versionsKey)) <= max) return [];
  const all = await redis.hgetall(versionsKey);
  const byAge = Object.entries(all)
    .map(([version, text]) => ({ version, at: publishedAt(text) }))
    .sort((a, b) => b.at - a.at);
  const candidates = byAge.slice(max).map(({ version }) => version);
  const live = await liveVersions(redis, keys, flow);
  const dropped = candidates.filter((version) => !live.has(version));
  if (dropped.length > 0) await redis.hdel(versionsKey, ...dropped);
  return dropped;
}

/** The versions the flow's newest requests that may still run are on. */
async function liveVersions(redis: RedisClient, keys: Keys, flow: string): Promise<Set<string>> {
  return new Set((await liveRequests(redis, keys, flow)).keys());
}

/** Live requests of one version, by status. */
export interface LiveCounts {
  readonly pending: number;
  readonly running: number;
  readonly paused: number;
}

/**
 * The flow's newest 5,000 requests that may still run (pending, running or paused), counted by the
 * version they run on and their status.
 */
export async function liveRequests(
  redis: RedisClient,
  keys: Keys,
  flow: string,
): Promise<Map<string, LiveCounts>> {
  const byVersion = await requestsByVersion(redis, keys, flow, LIVE);
  return new Map(
    [...byVersion].map(([version, requests]) => {
      const count = (status: string) => requests.filter((r) => r.status === status).length;
      return [
        version,
        { pending: count('pending'), running: count('running'), paused: count('paused') },
      ];
    }),
  );
}

/** The flow's newest 5,000 requests in one of `statuses`, by the version they run on. */
export async function requestsByVersion(
  redis: RedisClient,
  keys: Keys,
  flow: string,
  statuses: ReadonlySet<string>,
): Promise<Map<string, { readonly requestId: string; readonly status: string }[]>> {
  const newest = await redis.zrevrange(keys.requestIndex(flow), 0, LIVE_SCAN - 1);
  const rows = await readEach(redis, newest, (pipeline, id) =>
    pipeline.hmget(keys.request(flow, id).state, RequestField.status, RequestField.version),
  );
  const byVersion = new Map<string, { requestId: string; status: string }[]>();
  rows.forEach((reply, i) => {
    const [status, version] = (reply?.[1] ?? []) as (string | null)[];
    if (status == null || version == null || !statuses.has(status)) return;
    const list = byVersion.get(version) ?? [];
    list.push({ requestId: newest[i] ?? '', status });
    byVersion.set(version, list);
  });
  return byVersion;
}
function publishedAt(text: string): number {
  try {
    const at = (JSON.parse(text) as { publishedAt?: unknown }).publishedAt;
    return typeof at === 'number' ? at : 0;
  } catch {
    return 0;
  }
}
