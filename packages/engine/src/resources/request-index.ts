import type { RedisClient } from '../infra/redis-connection.js';
import { readEach } from '../store/reads/read-each.js';
import type { Keys } from '../format/keys.js';
import type { RequestStatus } from '../types/types.js';
import { RequestField } from '../format/layout.js';
import { TickBatch } from '../store/tick-batch.js';

/** One request as listed. */
export interface RequestSummary {
  readonly requestId: string;
  readonly status: RequestStatus;
  readonly createdAt: number;
  readonly finishedAt?: number;
}

/** Options of {@link FlowService.listRequests}. */
export interface ListRequestsOptions {
  /** Only requests in this status. */
  readonly status?: RequestStatus;
  /** From the cursor a previous page returned. */
  readonly cursor?: string;
  /**
   * Requests per page, 1-500.
   * @defaultValue 50
   */
  readonly limit?: number;
}

/** A page of requests, newest first; `cursor` is absent on the last page. */
export interface RequestPage {
  readonly requests: readonly RequestSummary[];
  readonly cursor?: string;
}

/** How many index entries one page may examine, so that a rare status cannot make a listing scan forever. */
const SCAN_LIMIT = 5_000;

/** How many old index entries one trim checks. */
const TRIM_BATCH = 1_000;

/** How often (per flow, per process) adding a request also trims the index. */
const TRIM_INTERVAL_MS = 1_000;

/**
 * Each flow's requests in a sorted set by creation time. Entries whose request expired are dropped as
 * listings meet them, and by {@link RequestIndex.add}, which checks the oldest entries (created before
 * the shortest retention) and drops those whose request is gone, so that the index shrinks with the
 * requests it lists. An entry of a request that still exists (paused, long running) is never dropped.
 */
export class RequestIndex {
  /** When each flow's index was last trimmed by this process. */
  readonly #trimmed = new Map<string, number>();

  /**
   * @param minRetentionMs - the shortest time a finished request is kept: no request created later can
   *   have expired yet
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly minRetentionMs: number,
  ) {}

  /** Entries added in one tick, by flow: one ZADD each. */
  readonly #adds = new TickBatch<readonly [number, string], undefined>(async (flow, entries) => {
    await this.redis.zadd(this.keys.requestIndex(flow), ...entries.flat());
    return [];
  });

  /**
   * Adds a new request (the requests of a flow added in one tick with one command), and at most once a
   * second per flow trims expired entries.
   */
  async add(flow: string, requestId: string, createdAt: number): Promise<void> {
    await this.#adds.add(flow, [createdAt, requestId]);
    if (createdAt - (this.#trimmed.get(flow) ?? 0) >= TRIM_INTERVAL_MS) {
      this.#trimmed.set(flow, createdAt);
      await this.trim(flow, createdAt);
    }
  }

  /**
   * Drops up to 1,000 entries created before `now` minus the shortest retention whose request no
   * longer exists; answers how many it dropped.
   */
  async trim(flow: string, now: number): Promise<number> {
    const index = this.keys.requestIndex(flow);
    const old = await this.redis.zrangebyscore(
      index,
      '-inf',
      `(${now - this.minRetentionMs}`,
      'LIMIT',
      0,
      TRIM_BATCH,
    );
    if (old.length === 0) return 0;
    const rows = await readEach(this.redis, old, (pipeline, id) =>
      pipeline.exists(this.keys.request(flow, id).state),
    );
    const gone = old.filter((_id, i) => rows[i]?.[1] === 0);
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return gone.length;
  }

  /** A page of the flow's requests, newest first. */
  async list(flow: string, options: ListRequestsOptions = {}): Promise<RequestPage> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const index = this.keys.requestIndex(flow);
    const [cursorScore, cursorId] = parseCursor(options.cursor);
    const requests: RequestSummary[] = [];
    let max = cursorScore === undefined ? '+inf' : String(cursorScore);
    let skipAbove = cursorId;
    let examined = 0;
    while (requests.length < limit && examined < SCAN_LIMIT) {
      const batch = await this.redis.zrevrangebyscore(
        index,
        max,
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        limit * 2 + 10,
      );
      if (batch.length === 0) return { requests };
      const entries: [string, number][] = [];
      for (let i = 0; i < batch.length; i += 2)
        entries.push([batch[i] ?? '', Number(batch[i + 1])]);
      // Entries of the cursor's own score up to and including the cursor were on earlier pages.
      const fresh = entries.filter(
        ([id, score]) => !(String(score) === max && skipAbove !== undefined && id >= skipAbove),
      );
      const rows = await readEach(this.redis, fresh, (pipeline, [id]) =>
        pipeline.hmget(
          this.keys.request(flow, id).state,
          RequestField.status,
          RequestField.createdAt,
          RequestField.finishedAt,
        ),
      );
      const gone: string[] = [];
      for (const [i, [id, score]] of fresh.entries()) {
        examined += 1;
        const [status, createdAt, finishedAt] = (rows[i]?.[1] ?? []) as (string | null)[];
        if (status === null || status === undefined) {
          gone.push(id);
        } else if (options.status === undefined || options.status === status) {
          requests.push({
            requestId: id,
            status: status as RequestStatus,
            createdAt: Number(createdAt ?? score),
            ...(finishedAt ? { finishedAt: Number(finishedAt) } : {}),
          });
          if (requests.length === limit) return { requests, cursor: `${score}_${id}` };
        }
        max = String(score);
        skipAbove = id;
      }
      if (gone.length > 0) await this.redis.zrem(index, ...gone);
      if (fresh.length === 0 || entries.length < limit * 2 + 10) return { requests };
    }
    const last = requests.at(-1);
    return last === undefined
      ? { requests }
      : { requests, cursor: `${max}_${skipAbove ?? last.requestId}` };
  }
}

function parseCursor(cursor: string | undefined): [number | undefined, string | undefined] {
  if (cursor === undefined || cursor === '') return [undefined, undefined];
  const underscore = cursor.indexOf('_');
  const score = Number(cursor.slice(0, underscore));
  return underscore < 0 || !Number.isFinite(score)
    ? [undefined, undefined]
    : [score, cursor.slice(underscore + 1)];
}
