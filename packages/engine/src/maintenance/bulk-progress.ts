import type { RedisClient } from '../infra/redis-connection.js';
import type { BulkKeys, Keys } from '../format/keys.js';
import type { BulkAction, BulkFilter } from './bulk-filter.js';

/** How long a bulk action's progress is kept after its last change. */
export const BULK_TTL_MS = 24 * 60 * 60 * 1000;

/** Failures whose request and code are kept (the count goes on past it). */
export const FAILURES_KEPT = 100;

/** Where a bulk action stands: counting what it matches, applying the action, or done. */
export type BulkStatus = 'counting' | 'running' | 'completed';

/** A bulk action's progress (see `FlowClient.bulk`). */
export interface BulkProgress {
  /** The bulk action's id. */
  readonly id: string;
  readonly flow: string;
  readonly action: BulkAction;
  readonly filter: BulkFilter;
  readonly status: BulkStatus;
  /** Requests that matched the filter (and the action applies to) when counted. */
  readonly matched: number;
  /** Requests the action was applied to (or found applied, after a takeover). */
  readonly done: number;
  /** Requests the action failed on. */
  readonly failed: number;
  /** Matched requests that no longer matched when their turn came (changed meanwhile); once completed. */
  readonly skipped: number;
  /** The first failures (at most 100): request id and error code. */
  readonly failures: readonly { readonly requestId: string; readonly code: string }[];
  readonly createdAt: number;
  readonly finishedAt?: number;
  /** The process that runs it (or ran it last): `<host>:<pid>`. */
  readonly runner?: string;
}

/** What a dry run of a bulk action answers: how many requests it would take now. */
export interface BulkDryRun {
  readonly dryRun: true;
  readonly matched: number;
}

/** Fields of a bulk action's progress hash. Stored format (added with T3-7). */
const P = {
  flow: 'flow',
  action: 'action',
  filter: 'filter',
  status: 'status',
  matched: 'matched',
  cursor: 'cursor',
  createdAt: 'createdAt',
  finishedAt: 'finishedAt',
  runner: 'runner',
} as const;

/** A bulk action as its job and its progress hash hold it. */
export interface BulkRecord {
  readonly id: string;
  readonly flow: string;
  readonly action: BulkAction;
  readonly filter: BulkFilter;
}

/** Reads and writes of bulk actions' progress (hashes and id sets under `Keys.bulk`). */
export class BulkProgressStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  #keys(flow: string, id: string): BulkKeys {
    return this.keys.bulk(flow, id);
  }

  /** Records a new bulk action (counting). */
  async create(record: BulkRecord, now: number): Promise<void> {
    const { progress } = this.#keys(record.flow, record.id);
    await this.redis
      .multi()
      .hset(progress, {
        [P.flow]: record.flow,
        [P.action]: record.action,
        [P.filter]: JSON.stringify(record.filter),
        [P.status]: 'counting',
        [P.matched]: 0,
        [P.createdAt]: now,
      })
      .pexpire(progress, BULK_TTL_MS)
      .exec();
  }

  /** The stored status, count and cursor of a bulk action (undefined: unknown or expired). */
  async stage(
    record: BulkRecord,
  ): Promise<{ status: BulkStatus; matched: number; cursor: string } | undefined> {
    const { progress } = this.#keys(record.flow, record.id);
    const [status, matched, cursor] = await this.redis.hmget(
      progress,
      P.status,
      P.matched,
      P.cursor,
    );
    if (status === null) return undefined;
    return { status: status as BulkStatus, matched: Number(matched ?? 0), cursor: cursor ?? '' };
  }

  /** Names the process that runs the bulk action now (`<host>:<pid>`). */
  async claim(record: BulkRecord, runner: string): Promise<void> {
    await this.redis.hset(this.#keys(record.flow, record.id).progress, P.runner, runner);
  }

  /** Stores the count and starts applying (cursor at the start). */
  async counted(record: BulkRecord, matched: number): Promise<void> {
    const { progress } = this.#keys(record.flow, record.id);
    await this.redis.hset(progress, {
      [P.status]: 'running',
      [P.matched]: matched,
      [P.cursor]: '',
    });
  }

  /** Marks requests begun (before the action runs on them): a takeover checks them again. */
  async begin(record: BulkRecord, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const k = this.#keys(record.flow, record.id);
    await this.redis
      .multi()
      .sadd(k.inflight, ...ids)
      .pexpire(k.inflight, BULK_TTL_MS)
      .exec();
  }

  /** Which of `ids` were done or failed already (by this run or one before a takeover), and which begun. */
  async seen(
    record: BulkRecord,
    ids: readonly string[],
  ): Promise<{ finished: Set<string>; begun: Set<string> }> {
    const k = this.#keys(record.flow, record.id);
    const [done, failed, inflight] = await Promise.all(
      [k.done, k.failed, k.inflight].map((key) => this.redis.smismember(key, ...ids)),
    );
    const finished = new Set(ids.filter((_, i) => done?.[i] === 1 || failed?.[i] === 1));
    return { finished, begun: new Set(ids.filter((_, i) => inflight?.[i] === 1)) };
  }

  /** Records one request's outcome: done, or failed with `code` (the first 100 codes kept). */
  async outcome(record: BulkRecord, requestId: string, code?: string): Promise<void> {
    const k = this.#keys(record.flow, record.id);
    const multi = this.redis.multi();
    if (code === undefined) multi.sadd(k.done, requestId).pexpire(k.done, BULK_TTL_MS);
    else multi.sadd(k.failed, requestId).pexpire(k.failed, BULK_TTL_MS);
    await multi.exec();
    if (code !== undefined && (await this.redis.hlen(k.failures)) < FAILURES_KEPT)
      await this.redis
        .multi()
        .hset(k.failures, requestId, code)
        .pexpire(k.failures, BULK_TTL_MS)
        .exec();
  }

  /** Stores where the scan stands, and keeps the progress another day. */
  async advance(record: BulkRecord, cursor: string): Promise<void> {
    const { progress } = this.#keys(record.flow, record.id);
    await this.redis.multi().hset(progress, P.cursor, cursor).pexpire(progress, BULK_TTL_MS).exec();
  }

  /** Marks the bulk action completed. */
  async complete(record: BulkRecord, now: number): Promise<void> {
    const k = this.#keys(record.flow, record.id);
    await this.redis
      .multi()
      .hset(k.progress, P.status, 'completed', P.finishedAt, now)
      .del(k.inflight)
      .exec();
  }

  /** A bulk action's progress, or undefined when unknown or expired. */
  async read(flow: string, id: string): Promise<BulkProgress | undefined> {
    const k = this.#keys(flow, id);
    const [fields, done, failed, failures] = await Promise.all([
      this.redis.hgetall(k.progress),
      this.redis.scard(k.done),
      this.redis.scard(k.failed),
      this.redis.hgetall(k.failures),
    ]);
    if (fields[P.status] === undefined) return undefined;
    const status = fields[P.status] as BulkStatus;
    const matched = Number(fields[P.matched] ?? 0);
    const finishedAt = fields[P.finishedAt];
    const runner = fields[P.runner];
    return {
      id,
      flow,
      action: fields[P.action] as BulkAction,
      filter: JSON.parse(fields[P.filter] ?? '{}') as BulkFilter,
      status,
      matched,
      done,
      failed,
      skipped: status === 'completed' ? Math.max(0, matched - done - failed) : 0,
      failures: Object.entries(failures).map(([requestId, code]) => ({ requestId, code })),
      createdAt: Number(fields[P.createdAt] ?? 0),
      ...(finishedAt === undefined ? {} : { finishedAt: Number(finishedAt) }),
      ...(runner === undefined ? {} : { runner }),
    };
  }
}
