import type { MigrationPlan } from '../plan/migration-plan.js';
import type { RedisClient } from '../infra/redis-connection.js';
import type { Migration } from '../types/version-types.js';
import type { Keys } from '../format/keys.js';
import { RequestField, StepField, pathOfField } from '../format/layout.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';

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
