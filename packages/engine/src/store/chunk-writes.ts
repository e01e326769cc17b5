import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';
import { TickBatch } from './tick-batch.js';
import type { Retention } from './state-results.js';

/** The attempt that emits: its request, step, owner token and attempt number. */
export interface ChunkSource {
  readonly flow: string;
  readonly requestId: string;
  readonly path: string;
  readonly owner: string;
  readonly attempt: number;
}

/** A {@link ChunkSource} with the name of its batches, made once per attempt by {@link ChunkWriter.sourceOf}. */
export interface BatchedSource extends ChunkSource {
  readonly group: string;
}

/** Size limits of emitted chunks (bytes of the encoded chunk). */
export interface ChunkLimits {
  readonly maxChunkBytes: number;
  readonly maxStreamBytes: number;
}

/**
 * What a {@link ChunkWriter} needs: the limits, and the retention, whose longest period is a running
 * request's stream's TTL (renewed by each append; the request's end sets its retention).
 */
export interface ChunkSettings extends ChunkLimits {
  readonly retention: Retention;
}

interface Pending {
  readonly source: BatchedSource;
  readonly encoded: string;
}

type AppendReply = [number, number?, number?, number?] | [number, string];

/**
 * Appends the chunks handlers emit (`ctx.emit`) to their requests' streams (`lua/appendChunks.lua`):
 * the chunks one attempt emits in one tick go as one script call, and each caller's promise resolves
 * with its chunk's seq once the chunk is stored (back-pressure), or rejects with why it was refused.
 */
export class ChunkWriter {
  readonly #batch = new TickBatch<Pending, number | DagflowError>(
    (_group, items) => this.#send(items),
    1_000,
  );

  readonly #runningTtlMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly limits: ChunkSettings,
  ) {
    const { completedMs, failedMs, pausedMs } = limits.retention;
    this.#runningTtlMs = Math.max(completedMs, failedMs, pausedMs);
  }

  /** The source of an attempt's chunks, as {@link append} takes it (one per attempt: emits are hot). */
  sourceOf(source: ChunkSource): BatchedSource {
    const { flow, requestId, path, owner } = source;
    return { ...source, group: `${flow}\n${requestId}\n${path}\n${owner}` };
  }

  /**
   * Stores one encoded chunk; answers its seq in the request's stream.
   * @throws DagflowError `STREAM_LIMIT_EXCEEDED` (chunk or stream over its limit), `STALE_ATTEMPT`
   *   (another attempt owns the step), `STREAM_CLOSED` (the step finished or the request ended),
   *   `REQUEST_NOT_FOUND`
   */
  async append(source: BatchedSource, encoded: string): Promise<number> {
    const { maxChunkBytes } = this.limits;
    // A UTF-16 unit is at most 3 UTF-8 bytes: short chunks need no count.
    const bytes = encoded.length * 3 <= maxChunkBytes ? 0 : Buffer.byteLength(encoded);
    if (bytes > maxChunkBytes) {
      throw new DagflowError(
        ErrorCode.STREAM_LIMIT_EXCEEDED,
        `A chunk emitted by '${source.path}' of request '${source.requestId}' is ${bytes} bytes, over the ${maxChunkBytes}-byte limit (maxChunkBytes): emit smaller chunks.`,
        { details: { node: source.path, bytes, limit: maxChunkBytes, limitName: 'maxChunkBytes' } },
      );
    }
    const seq = await this.#batch.add(source.group, { source, encoded });
    if (seq instanceof DagflowError) throw seq;
    return seq;
  }

  async #send(items: readonly Pending[]): Promise<(number | DagflowError)[]> {
    const { source } = items[0] as Pending;
    const keys = this.keys.request(source.flow, source.requestId);
    const reply = (await runScript(
      this.redis,
      'appendChunks',
      [keys.state, keys.stream],
      [
        source.path,
        source.owner,
        source.attempt,
        this.limits.maxStreamBytes,
        this.#runningTtlMs,
        ...items.map((item) => item.encoded),
      ],
    )) as AppendReply;
    const [code] = reply;
    if (code === ReplyCode.OK || code === ReplyCode.FULL) {
      const first = Number(reply[1]);
      const count = Number(reply[2]);
      return items.map((_, i) =>
        i < count ? first + i : refused(ReplyCode.FULL, source, { ...this.limits, held: reply[3] }),
      );
    }
    const error = refused(code, source, { ...this.limits, held: reply[1] });
    return items.map(() => error);
  }
}

/** Why an append was refused, as an error for the emitting handler. */
function refused(
  code: number,
  source: ChunkSource,
  at: ChunkLimits & { readonly held: number | string | undefined },
): DagflowError {
  const where = `'${source.path}' (attempt ${source.attempt}) of request '${source.requestId}'`;
  switch (code) {
    case ReplyCode.FULL:
      return new DagflowError(
        ErrorCode.STREAM_LIMIT_EXCEEDED,
        `The stream of request '${source.requestId}' holds ${at.held} bytes; a chunk from '${source.path}' would take it over the ${at.maxStreamBytes}-byte limit (maxStreamBytes): emit less, or raise the limit.`,
        {
          details: {
            node: source.path,
            bytes: Number(at.held),
            limit: at.maxStreamBytes,
            limitName: 'maxStreamBytes',
          },
        },
      );
    case ReplyCode.STALE:
      return new DagflowError(
        ErrorCode.STALE_ATTEMPT,
        `${where} may not emit: another attempt owns the node now (owner ${at.held}); this attempt's writes are dropped.`,
        { details: { node: source.path, attempt: source.attempt } },
      );
    case ReplyCode.NOT_RUNNING:
      return new DagflowError(
        ErrorCode.STREAM_CLOSED,
        `${where} may not emit: ${at.held === 'completed' || at.held === 'failed' ? 'the node' : 'the request'} is ${at.held}.`,
        { details: { node: source.path, status: at.held } },
      );
    default:
      return new DagflowError(
        ErrorCode.REQUEST_NOT_FOUND,
        `Request '${source.requestId}' of flow '${source.flow}' does not exist (or expired): ${where} may not emit.`,
      );
  }
}
