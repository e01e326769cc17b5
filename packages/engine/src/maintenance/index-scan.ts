import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { readEach } from '../store/reads/read-each.js';
import { type BulkAction, type BulkFilter, FILTER_FIELDS, matches } from './bulk-filter.js';

/** Index entries read per round trip, and requests read per pipeline. */
export const BATCH = 500;

/** Where a scan of a flow's request index stands: past every entry up to (score, id). */
export interface ScanCursor {
  readonly score: number;
  readonly id: string;
}

/** The cursor's stored form (`<score>_<id>`), '' at the start. */
export function cursorText(cursor: ScanCursor | undefined): string {
  return cursor === undefined ? '' : `${cursor.score}_${cursor.id}`;
}

/** Reads a stored cursor (see {@link cursorText}). */
export function parseCursorText(text: string | undefined): ScanCursor | undefined {
  if (text === undefined || text === '') return undefined;
  const at = text.indexOf('_');
  return { score: Number(text.slice(0, at)), id: text.slice(at + 1) };
}

/**
 * The request ids of a flow's index in creation order, created in the filter's range, a batch of up
 * to {@link BATCH} at a time from past `cursor`, each batch with the cursor after it: each round trip
 * reads a bounded window (entries of one creation time, which the index orders by id, are stepped
 * over by offset).
 */
export async function* scanIndex(
  redis: RedisClient,
  keys: Keys,
  scan: { readonly flow: string; readonly filter: BulkFilter; readonly from?: ScanCursor },
): AsyncGenerator<{ readonly ids: readonly string[]; readonly cursor: ScanCursor }> {
  const index = keys.requestIndex(scan.flow);
  const max = scan.filter.createdBefore === undefined ? '+inf' : `(${scan.filter.createdBefore}`;
  let cursor = scan.from;
  let offset = 0;
  for (;;) {
    const min =
      cursor === undefined
        ? String(scan.filter.createdAfter ?? '-inf')
        : String(Math.max(cursor.score, scan.filter.createdAfter ?? -Infinity));
    const raw = await redis.zrangebyscore(index, min, max, 'WITHSCORES', 'LIMIT', offset, BATCH);
    if (raw.length === 0) return;
    const entries: [string, number][] = [];
    for (let i = 0; i < raw.length; i += 2) entries.push([raw[i] ?? '', Number(raw[i + 1])]);
    const at = cursor;
    const fresh = entries.filter(
      ([id, score]) => at === undefined || score > at.score || (score === at.score && id > at.id),
    );
    if (fresh.length === 0) {
      // A full window of entries at the cursor's own score, all passed: look past them.
      if (entries.length < BATCH) return;
      offset += entries.length;
      continue;
    }
    offset = 0;
    const [lastId, lastScore] = fresh[fresh.length - 1] ?? ['', 0];
    cursor = { score: lastScore, id: lastId };
    yield { ids: fresh.map(([id]) => id), cursor };
    if (entries.length < BATCH) return;
  }
}

/** Which of `ids` match the filter and may take the action now (one pipelined read). */
export async function matching(
  redis: RedisClient,
  keys: Keys,
  read: {
    readonly flow: string;
    readonly filter: BulkFilter;
    readonly action: BulkAction;
    readonly currentVersion: string;
    readonly ids: readonly string[];
  },
): Promise<string[]> {
  const rows = await readEach(redis, read.ids, (pipeline, id) =>
    pipeline.hmget(keys.request(read.flow, id).state, ...FILTER_FIELDS),
  );
  return read.ids.filter((_id, i) =>
    matches(read.filter, read.action, {
      fields: (rows[i]?.[1] ?? []) as (string | null)[],
      currentVersion: read.currentVersion,
    }),
  );
}
