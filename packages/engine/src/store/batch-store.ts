import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { batchKeys, batchPendingKey } from '../format/batch-keys.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';

/** Where an input went (see {@link BatchStore.add}). */
export interface BatchAdd {
  /** The batch's id: the id its request gets. */
  readonly batchId: string;
  /** The input's position in the batch (0-based). */
  readonly position: number;
  /** When the batch closes by time (ms, the engine's clock). */
  readonly due: number;
  /** Whether this input filled the batch (it closed: its request is to be created). */
  readonly filled: boolean;
  /** A batch this input closed early (its inputs would have passed the byte limit), if any. */
  readonly closedEarly: string | undefined;
}

/** One batch key of a flow. */
export interface BatchTarget {
  readonly flow: string;
  readonly key: string;
}

/** The writes of batched executes (see `client/start/batch-execute.ts`); each step is one Lua script. */
export class BatchStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * Adds an encoded input to the key's open batch, or to a new batch `fresh` when there is none or
   * this input would take it past `maxBytes` (`lua/batchAdd.lua`).
   */
  async add(
    target: BatchTarget,
    add: {
      readonly fresh: string;
      readonly input: string;
      readonly maxSize: number;
      readonly maxBytes: number;
      readonly due: number;
      readonly ttlMs: number;
    },
  ): Promise<BatchAdd> {
    const { open, items, closed } = batchKeys(this.keys, target.flow, target.key);
    const pending = batchPendingKey(this.keys, target.flow, add.fresh);
    const reply = (await runScript(
      this.redis,
      'batchAdd',
      [open, items, closed, pending],
      [add.fresh, add.input, add.maxSize, add.maxBytes, add.due, add.ttlMs],
    )) as [number, string, number, string, number, string];
    const [, batchId, position, due, filled, early] = reply;
    return {
      batchId,
      position: Number(position),
      due: Number(due),
      filled: Number(filled) === 1,
      closedEarly: early === '' ? undefined : early,
    };
  }

  /**
   * Closes a batch if it is still open (`lua/batchClose.lua`) and answers the encoded array of its
   * inputs, or undefined once it is gone (its request exists, or it expired).
   */
  async close(
    target: BatchTarget,
    batch: { readonly id: string; readonly ttlMs: number },
  ): Promise<string | undefined> {
    const { open, items, closed } = batchKeys(this.keys, target.flow, target.key);
    const [code, inputs] = (await runScript(
      this.redis,
      'batchClose',
      [open, items, closed],
      [batch.id, batch.ttlMs],
    )) as [number, string?];
    return code === ReplyCode.OK ? inputs : undefined;
  }

  /** Whether a batch's request is still to be created (the batch is open, or closed just now). */
  async pending(flow: string, batchId: string): Promise<boolean> {
    return (await this.redis.exists(batchPendingKey(this.keys, flow, batchId))) === 1;
  }

  /** Forgets a closed batch once its request exists. */
  async forget(target: BatchTarget, batchId: string): Promise<void> {
    const { closed } = batchKeys(this.keys, target.flow, target.key);
    await this.redis
      .multi()
      .hdel(closed, batchId)
      .del(batchPendingKey(this.keys, target.flow, batchId))
      .exec();
  }
}
