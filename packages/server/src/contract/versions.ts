/**
 * The API contract's deploy parts: a flow's versions (`GET /flows/:name/versions`) and request
 * migrations (`POST /flow/:name/requests/:id/migrate`, `POST /flow/:name/requests/migrate`).
 * `GET /flows/:name/versions/:version` answers a `DagDescription` (`dagDescriptionSchema`).
 * Re-exported by `contract.ts`.
 * @module
 */
import { z } from 'zod';
import type { Wire } from './wire.js';

const count = z.number().int().nonnegative();
const epochMs = z.number().meta({ description: 'ms since the epoch' });

/** One migration of a request from one flow version to another. */
export const migrationSchema = z.object({
  from: z.string(),
  to: z.string(),
  at: epochMs,
});

/** One published version of a flow, with its live requests and the workers that can run its nodes. */
export const flowVersionSchema = z.object({
  version: z.string(),
  current: z
    .boolean()
    .meta({ description: "The flow's current version (what processes without its code start)." }),
  revision: z.number().optional().meta({ description: 'The revision it was registered with.' }),
  publishedAt: epochMs,
  requests: z
    .object({ pending: count, running: count, paused: count })
    .meta({ description: "Its live requests by status (of the flow's newest 5,000)." }),
  nodeWorkers: z
    .record(z.string(), count)
    .meta({ description: 'Live workers that can run each of its nodes, by path.' }),
  unavailable: z
    .array(z.string())
    .meta({ description: 'Its nodes no live worker can run (they wait with STEP_UNAVAILABLE).' }),
  drained: z
    .boolean()
    .meta({ description: 'No live request runs on it: its code may be switched off.' }),
});

/** `GET /flows/:name/versions`: every published version, newest first. */
export const flowVersionListSchema = z.object({ versions: z.array(flowVersionSchema) });

/** `POST /flow/:name/requests/:id/migrate`: what the migration changed. */
export const migrationAnswerSchema = migrationSchema.extend({
  requestId: z.string(),
  dropped: z
    .array(z.string())
    .meta({ description: 'Nodes the new shape lacks: their state and outputs were dropped.' }),
  released: z.array(z.string()).meta({
    description:
      'Nodes enqueued on the new shape, or held until resume (paused) or rerun (failed, stopped).',
  }),
});

/** `POST /flow/:name/requests/migrate?from=`: what the bulk migration did. */
export const bulkMigrationAnswerSchema = z.object({
  from: z.string(),
  to: z.string(),
  matched: count.meta({ description: 'Requests found on version `from` that may be migrated.' }),
  migrated: count,
  failed: z.array(z.object({ requestId: z.string(), code: z.string(), message: z.string() })),
});

/** One migration of a request. */
export type MigrationRecord = Wire<z.output<typeof migrationSchema>>;
/** One published version of a flow. */
export type FlowVersionResponse = Wire<z.output<typeof flowVersionSchema>>;
/** `GET /flows/:name/versions`. */
export type FlowVersionListResponse = Wire<z.output<typeof flowVersionListSchema>>;
/** `POST /flow/:name/requests/:id/migrate`. */
export type MigrationResponse = Wire<z.output<typeof migrationAnswerSchema>>;
/** `POST /flow/:name/requests/migrate?from=`. */
export type BulkMigrationResponse = Wire<z.output<typeof bulkMigrationAnswerSchema>>;
