import type { Logger } from '../infra/logger.js';
import type { RedisClient } from '../infra/redis-connection.js';

/** What in a flow a state change touched, as applies to its action. */
export interface AuditTarget {
  readonly requestId?: string;
  /** A node path (a signal's node) or a step id (a step change). */
  readonly node?: string;
  readonly signal?: string;
  readonly schedule?: string;
}

/** One state change made over the HTTP API, as the audit log keeps it. */
export interface AuditEntry {
  /** The entry's id in the stream (`<ms>-<seq>`), set when read: the `before` of the next page. */
  readonly id?: string;
  /** When, in ms since the epoch. */
  readonly at: number;
  /** Who: the caller's role and the name of its token (never the token). */
  readonly who: { readonly role: string; readonly token: string };
  /** What: `register`, `add-step`, `stop`, `signal`, `schedule-put`, `migrate`... */
  readonly action: string;
  /** The flow it concerns. */
  readonly flow: string;
  /** What in the flow it concerns. */
  readonly target?: AuditTarget;
  /** `ok`, or the error code the request was answered with. */
  readonly outcome: string;
  /** Whether a flow defined in code was changed with an explicit `force`. */
  readonly forced: boolean;
  /** What else describes the change (new version, whether a rerun carried a new input). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Most entries one {@link AuditLog.list} call reads. */
export const AUDIT_PAGE_LIMIT = 1_000;

/** Where the audit log lives and how long it grows. */
export interface AuditLogOptions {
  readonly redis: () => RedisClient;
  /** The stream's key. */
  readonly key: string;
  /** About how many entries the stream keeps (`XADD MAXLEN ~`). */
  readonly maxEntries: number;
  /** Each entry is also logged (message `audit`), so it can leave Redis with the logs. */
  readonly log: Logger;
}

/** The audit log: a Redis Stream trimmed to about `maxEntries`, read newest first. */
export class AuditLog {
  constructor(private readonly options: AuditLogOptions) {}

  /** Adds an entry (trimming the oldest beyond the cap) and logs it. */
  async record(entry: AuditEntry): Promise<void> {
    const { redis, key, maxEntries, log } = this.options;
    log.info('audit', { ...entry });
    await redis().xadd(key, 'MAXLEN', '~', String(maxEntries), '*', 'entry', JSON.stringify(entry));
  }

  /**
   * The newest `limit` entries (at most {@link AUDIT_PAGE_LIMIT}), newest first; with `before` (an
   * entry's `id`), those older than it.
   */
  async list(limit = 100, before?: string): Promise<AuditEntry[]> {
    const count = Math.min(Math.max(1, limit), AUDIT_PAGE_LIMIT);
    const end = before === undefined ? '+' : `(${before}`;
    const rows = await this.options.redis().xrevrange(this.options.key, end, '-', 'COUNT', count);
    return rows.map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? '{}') as AuditEntry) }));
  }
}
