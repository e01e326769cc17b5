/**
 * Rewrites of a request's shape that a caller works out from the state it read: a migration to
 * another version, a rerun from a node; and the deletion of a finished request.
 */
import type { MigrationPlan } from '../plan/migration-plan.js';
import type { RedisClient } from '../infra/redis-connection.js';
import type { RerunPlan } from '../plan/rerun-plan.js';
import type { Migration, RerunRecord } from '../types/version-types.js';
import { type Keys, allKeys } from '../format/keys.js';
import { RequestField, StepField, pathOfField } from '../format/layout.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';
import { type RerunSlicesOutcome, runRerunSlices } from './rerun-slices.js';
import type { RequestStatus } from '../types/types.js';

/** What `migrateRequest.lua` answered. */
export type MigrationWrite =
  | {
      readonly kind: 'migrated';
      readonly generation: number;
      /** Steps to enqueue now, each with its job-id generation (a running request). */
      readonly steps: readonly string[];
      readonly generations: readonly number[];
    }
  | { readonly kind: 'changed' }
  | { readonly kind: 'missing' };

/** A request's state hash as a migration reads it. */
export function readStateFields(
  redis: RedisClient,
  keys: Keys,
  target: { readonly flow: string; readonly requestId: string },
): Promise<Record<string, string>> {
  return redis.hgetall(keys.request(target.flow, target.requestId).state);
}

/**
 * Writes a migration worked out from `read` (the state hash as read), provided the request's state is
 * still as read; see `lua/migrateRequest.lua`.
 */
export async function writeMigration(
  redis: RedisClient,
  keys: Keys,
  target: { readonly flow: string; readonly requestId: string },
  change: {
    readonly read: Readonly<Record<string, string>>;
    readonly plan: MigrationPlan;
    readonly migration: Migration;
  },
): Promise<MigrationWrite> {
  const { read, plan, migration } = change;
  const { state, data, held } = keys.request(target.flow, target.requestId);
  const statuses = Object.fromEntries(
    Object.entries(read).filter(([field]) => pathOfField(StepField.status, field) !== undefined),
  );
  const reply = (await runScript(
    redis,
    'migrateRequest',
    [state, data, held],
    [
      read[RequestField.status] ?? '',
      read[RequestField.generation] ?? '',
      JSON.stringify(statuses),
      migration.to,
      JSON.stringify(migration),
      JSON.stringify(plan.dropState),
      JSON.stringify(plan.dropData),
      JSON.stringify(plan.set),
      JSON.stringify(plan.fence),
      JSON.stringify(plan.release),
    ],
  )) as [number, number | string, string[]?, number[]?];
  if (reply[0] === ReplyCode.MISSING) return { kind: 'missing' };
  if (reply[0] !== ReplyCode.OK) return { kind: 'changed' };
  return {
    kind: 'migrated',
    generation: Number(reply[1]),
    steps: reply[2] ?? [],
    generations: (reply[3] ?? []).map(Number),
  };
}

/**
 * What `rerunFrom.lua` answered and its slices released (see {@link RerunSlicesOutcome}), with the
 * rerun's generation; `changed` when the state changed since it was read.
 */
export type RerunFromWrite =
  | (RerunSlicesOutcome & { readonly kind: 'done'; readonly generation: number })
  | Exclude<RerunSlicesOutcome, { readonly kind: 'done' }>
  | { readonly kind: 'changed' };

/**
 * Writes a rerun from a node worked out from `read` (the state hash as read), provided the request's
 * status and generation are still as read; see `lua/rerunFrom.lua`.
 */
export async function writeRerunFrom(
  redis: RedisClient,
  keys: Keys,
  target: { readonly flow: string; readonly requestId: string },
  change: {
    readonly read: Readonly<Record<string, string>>;
    readonly plan: RerunPlan;
    readonly rerun: RerunRecord;
    /** The encoded new input of the node's entry step. */
    readonly input?: string;
    readonly completedRetentionMs: number;
  },
): Promise<RerunFromWrite> {
  const { read, plan, rerun } = change;
  const reply = (await runScript(
    redis,
    'rerunFrom',
    allKeys(keys.request(target.flow, target.requestId)),
    [
      read[RequestField.status] ?? '',
      read[RequestField.generation] ?? '',
      JSON.stringify(plan.vertices),
      JSON.stringify(plan.set),
      JSON.stringify(plan.release),
      change.input === undefined ? '' : plan.entry,
      change.input ?? '',
      JSON.stringify(rerun),
      rerun.at,
      change.completedRetentionMs,
      keys.flowEvents(target.flow),
      target.requestId,
    ],
  )) as [number, unknown, number?, number?, number[]?];
  if (reply[0] === ReplyCode.MISSING) return { kind: 'missing' };
  if (reply[0] === ReplyCode.INVALID_TRANSITION)
    return { kind: 'invalid', status: reply[1] as RequestStatus };
  if (reply[0] !== ReplyCode.OK) return { kind: 'changed' };
  const generation = Number(reply[2] ?? 0);
  const sliced = await runRerunSlices(redis, keys, target, generation);
  return sliced.kind === 'done' ? { ...sliced, generation } : sliced;
}

/**
 * Deletes a finished request's keys and its index entry (`lua/deleteRequest.lua`); answers `invalid`
 * with the status of a request that is not finished (nothing deleted), `missing` for one already gone
 * (its index entry goes too).
 */
export async function deleteRequestKeys(
  redis: RedisClient,
  keys: Keys,
  target: { readonly flow: string; readonly requestId: string },
): Promise<
  { readonly kind: 'deleted' | 'missing' } | { readonly kind: 'invalid'; status: string }
> {
  const request = keys.request(target.flow, target.requestId);
  const reply = (await runScript(
    redis,
    'deleteRequest',
    [...allKeys(request), request.logs],
    [],
  )) as [number, string?];
  if (reply[0] === ReplyCode.INVALID_TRANSITION) return { kind: 'invalid', status: reply[1] ?? '' };
  await redis.zrem(keys.requestIndex(target.flow), target.requestId);
  return { kind: reply[0] === ReplyCode.OK ? 'deleted' : 'missing' };
}
