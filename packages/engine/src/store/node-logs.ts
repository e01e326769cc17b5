import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import type { AttemptLog, NodeLogLine } from '../types/types.js';
import { runScript } from './scripts/scripts.js';

/** Bytes kept per attempt; later lines are dropped (and the log says so). */
export const LOG_CAP_BYTES = 32 * 1024;
/** Lines wait this long in the process, so that a burst costs one write. */
const FLUSH_MS = 100;

/** Where one attempt's lines go. */
export interface LogTarget {
  readonly flow: string;
  readonly requestId: string;
  readonly path: string;
  readonly attempt: number;
}

/**
 * Keeps what handlers log, per node attempt, in the request's logs hash: lines are buffered for 100 ms
 * and appended with one script call per attempt; each attempt keeps at most {@link LOG_CAP_BYTES}. The
 * hash expires `expiryMs` after its last write (the longest request retention).
 */
export class NodeLogWriter {
  readonly #pending = new Map<string, { key: string; field: string; lines: string }>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly expiryMs: number,
  ) {}

  /** Buffers a line of an attempt's log. */
  write(target: LogTarget, line: NodeLogLine): void {
    const key = this.keys.request(target.flow, target.requestId).logs;
    const field = `${target.path}|${target.attempt}`;
    const id = `${key}\u0000${field}`;
    const text = `${JSON.stringify(line, loggable)}\n`;
    const pending = this.#pending.get(id);
    if (pending === undefined) this.#pending.set(id, { key, field, lines: text });
    else if (pending.lines.length < LOG_CAP_BYTES) pending.lines += text;
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes every buffered line; resolves when written (errors are dropped: logs are best effort). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = [...this.#pending.values()];
    this.#pending.clear();
    this.#flushing = this.#flushing.then(() =>
      Promise.all(
        batch.map(({ key, field, lines }) =>
          runScript(this.redis, 'appendLog', [key], [field, lines, LOG_CAP_BYTES, this.expiryMs]),
        ),
      ).then(
        () => undefined,
        () => undefined,
      ),
    );
    return this.#flushing;
  }
}

/** What each of a node's attempts (1 to `attempts`) logged, oldest attempt first; attempts that logged nothing are left out. */
export async function readNodeLogs(
  redis: RedisClient,
  keys: Keys,
  target: Omit<LogTarget, 'attempt'> & { readonly attempts: number },
): Promise<AttemptLog[]> {
  if (target.attempts <= 0) return [];
  const numbers = Array.from({ length: target.attempts }, (_, i) => i + 1);
  const texts = await redis.hmget(
    keys.request(target.flow, target.requestId).logs,
    ...numbers.map((attempt) => `${target.path}|${attempt}`),
  );
  return numbers.flatMap((attempt, i) => {
    const text = texts[i];
    if (text === null || text === undefined) return [];
    const parsed = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as NodeLogLine | { truncated: true });
    const lines = parsed.filter((line): line is NodeLogLine => !('truncated' in line));
    return [{ attempt, lines, ...(lines.length < parsed.length ? { truncated: true } : {}) }];
  });
}

/** JSON for what a handler may log: errors as name and message, big integers as text. */
function loggable(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
