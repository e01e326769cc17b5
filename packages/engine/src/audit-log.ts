import type { RedisClient } from './redis-connection.js';

/** One registry change made over the HTTP API, as the audit log keeps it. */
export interface AuditEntry {
  /** When, in ms since the epoch. */
  readonly at: number;
  /** Who: the caller's role and the name or fingerprint of its token (never the token). */
  readonly who: { readonly role: string; readonly token: string };
  /** What: `register`, `add-step`, `replace-step` or `remove-step`. */
  readonly action: string;
  /** The flow changed. */
  readonly flow: string;
  /** Whether a flow defined in code was changed with an explicit `force`. */
  readonly forced: boolean;
  /** What else identifies the change (step id, new version). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** How many entries the log keeps; older ones are dropped. */
export const AUDIT_LOG_LENGTH = 1_000;

/** The audit log of registry changes: a capped Redis list, newest first. */
export class AuditLog {
  constructor(
    private readonly redis: () => RedisClient,
    private readonly key: string,
  ) {}

  /** Adds an entry and drops the ones beyond {@link AUDIT_LOG_LENGTH}. */
  async record(entry: AuditEntry): Promise<void> {
    await this.redis()
      .multi()
      .lpush(this.key, JSON.stringify(entry))
      .ltrim(this.key, 0, AUDIT_LOG_LENGTH - 1)
      .exec();
  }

  /** The newest `limit` entries, newest first. */
  async list(limit = 100): Promise<AuditEntry[]> {
    const texts = await this.redis().lrange(this.key, 0, Math.max(0, limit - 1));
    return texts.map((text) => JSON.parse(text) as AuditEntry);
  }
}
