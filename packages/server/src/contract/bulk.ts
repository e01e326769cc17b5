/**
 * The API contract's bulk actions (`POST /flow/:name/requests/bulk`, `GET
 * /flow/:name/requests/bulk/:id`). Re-exported by `contract.ts`.
 * @module
 */
import { z } from 'zod';
import type { Wire } from './wire.js';

const count = z.number().int().nonnegative();
const epochMs = z.number().meta({ description: 'ms since the epoch' });

/** Which requests of a flow a bulk action takes; every criterion given must hold. */
export const bulkFilterSchema = z.strictObject({
  status: z
    .enum(['pending', 'running', 'completed', 'failed', 'stopped', 'paused'])
    .optional()
    .meta({ description: 'Only requests in this status.' }),
  createdAfter: epochMs.optional().meta({ description: 'Only requests created at or after this.' }),
  createdBefore: epochMs.optional().meta({ description: 'Only requests created before this.' }),
  errorCode: z
    .string()
    .optional()
    .meta({ description: 'Only requests whose error has this code.' }),
  node: z.string().optional().meta({ description: 'Only requests whose error names this node.' }),
  version: z.string().optional().meta({ description: 'Only requests on this flow version.' }),
});

/** The body of `POST /flow/:name/requests/bulk`. */
export const bulkBodySchema = z.strictObject({
  action: z.enum(['stop', 'rerun', 'resume', 'migrate', 'delete']),
  filter: bulkFilterSchema.default({}),
  dryRun: z.boolean().optional().meta({ description: 'Only count the requests it would take.' }),
});

/** A started bulk action (202). */
export const bulkStartedSchema = z.object({ id: z.string() });

/** A dry run's answer (200). */
export const bulkDryRunSchema = z.object({ dryRun: z.literal(true), matched: count });

/** A bulk action's progress. */
export const bulkProgressSchema = z.object({
  id: z.string(),
  flow: z.string(),
  action: z.enum(['stop', 'rerun', 'resume', 'migrate', 'delete']),
  filter: bulkFilterSchema,
  status: z.enum(['counting', 'running', 'completed']),
  matched: count,
  done: count,
  failed: count,
  skipped: count.meta({ description: 'Matched, but changed before their turn (once completed).' }),
  failures: z
    .array(z.object({ requestId: z.string(), code: z.string() }))
    .meta({ description: 'The first 100 failures with their error codes.' }),
  createdAt: epochMs,
  finishedAt: epochMs.optional(),
  runner: z.string().optional().meta({ description: 'The process running it: `<host>:<pid>`.' }),
});

export type BulkProgressAnswer = Wire<z.output<typeof bulkProgressSchema>>;
