import type { RedisClient } from './redis-connection.js';
import type { Keys } from './store/keys.js';
import { readEach } from './store/read-each.js';
import { RequestField } from './store/layout.js';

/** How many of a flow's newest requests are checked for the versions they run on. */
const LIVE_SCAN = 5_000;

/** Statuses in which a request may still run steps of its version. */
const LIVE = new Set(['pending', 'running', 'paused']);

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
  const ids = await redis.zrevrange(keys.requestIndex(flow), 0, LIVE_SCAN - 1);
  const rows = await readEach(redis, ids, (pipeline, id) =>
    pipeline.hmget(keys.request(flow, id).state, RequestField.status, RequestField.version),
  );
  const live = new Set<string>();
  for (const reply of rows) {
    const [status, version] = (reply?.[1] ?? []) as (string | null)[];
    if (status != null && version != null && LIVE.has(status)) live.add(version);
  }
  return live;
}

function publishedAt(text: string): number {
  try {
    const at = (JSON.parse(text) as { publishedAt?: unknown }).publishedAt;
    return typeof at === 'number' ? at : 0;
  } catch {
    return 0;
  }
}
