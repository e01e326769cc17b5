import type { RedisClient } from '../infra/redis-connection.js';
import { type Keys, allKeys } from '../format/keys.js';
import { RequestField, StoredLimit } from '../format/layout.js';
import { ReplyCode } from '../format/reply-codes.js';
import type { RequestStatus } from '../types/types.js';
import { runScript } from './scripts/scripts.js';

/** The fourth element of a reply of `rerun_request` (`lua/rerunRequest.lua`) that began a rerun in slices. */
export const RERUN_BEGUN = 2;

/** What a rerun released once its slices ran: the steps to enqueue, each with its generation and chunk. */
export type RerunSlicesOutcome =
  | {
      readonly kind: 'done';
      readonly steps: readonly string[];
      readonly generations: readonly number[];
      /** The stored chunk (`resuming.<k>`) of each step, for its confirmation (`clearResuming`). */
      readonly chunks: readonly number[];
    }
  | { readonly kind: 'invalid'; readonly status: RequestStatus }
  | { readonly kind: 'missing' };

/**
 * Runs the slices of a rerun begun under `generation` (`lua/rerunSlice.lua`) to their end, each a
 * bounded Redis call of at most `perSlice` steps or fields, then reads the steps they released from the
 * resuming chunks. A rerun another caller began or finished is run (or read) the same way: its released
 * steps are enqueued under the same job ids, which is harmless.
 */
export async function runRerunSlices(
  redis: RedisClient,
  keys: Keys,
  target: { readonly flow: string; readonly requestId: string },
  generation: number,
  perSlice: number = StoredLimit.resumingChunk,
): Promise<RerunSlicesOutcome> {
  const requestKeys = keys.request(target.flow, target.requestId);
  const args = [generation, perSlice, keys.flowEvents(target.flow), target.requestId];
  for (;;) {
    const reply = (await runScript(redis, 'rerunSlice', allKeys(requestKeys), args)) as [
      number,
      unknown,
    ];
    if (reply[0] === ReplyCode.MISSING) return { kind: 'missing' };
    if (reply[0] === ReplyCode.INVALID_TRANSITION)
      return { kind: 'invalid', status: reply[1] as RequestStatus };
    if (reply[1] === 1) break;
  }
  return { kind: 'done', ...(await readResuming(redis, requestKeys.state)) };
}

/** The steps of every stored resuming chunk, each with its generation and chunk number. */
async function readResuming(
  redis: RedisClient,
  state: string,
): Promise<{ steps: string[]; generations: number[]; chunks: number[] }> {
  const count = Number((await redis.hget(state, RequestField.resumingChunks)) ?? 0);
  const fields = Array.from({ length: count }, (_, i) => `${RequestField.resumingChunk}${i + 1}`);
  const stored = count === 0 ? [] : await redis.hmget(state, ...fields);
  const steps: string[] = [];
  const generations: number[] = [];
  const chunks: number[] = [];
  stored.forEach((chunk, i) => {
    if (chunk === null) return;
    for (const [step, generation] of Object.entries(JSON.parse(chunk) as Record<string, number>)) {
      steps.push(step);
      generations.push(generation);
      chunks.push(i + 1);
    }
  });
  return { steps, generations, chunks };
}
