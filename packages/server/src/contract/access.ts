/**
 * The API contract's access parts: who the caller is (`GET /auth/whoami`) and the audit trail of state
 * changes (`GET /admin/audit`). Re-exported by `contract.ts`.
 * @module
 */
import { z } from 'zod';
import type { Wire } from './wire.js';

const epochMs = z.number().meta({ description: 'ms since the epoch' });

/** `GET /auth/whoami`: the caller's role, its token's name (`anonymous` when auth is off) and scope. */
export const whoAmISchema = z.object({
  role: z.enum(['viewer', 'operator', 'admin']),
  token: z.string(),
  flows: z
    .string()
    .optional()
    .meta({ description: "The token's flow scope (a glob such as `orders-*`); none: every flow." }),
});

/** What in a flow an audited change touched. */
export const auditTargetSchema = z.object({
  requestId: z.string().optional(),
  node: z.string().optional().meta({ description: "A signal's node or a step change's step." }),
  signal: z.string().optional(),
  schedule: z.string().optional(),
});

/** A state change made over HTTP, with its caller and outcome. */
export const auditEntrySchema = z.object({
  id: z.string().optional().meta({ description: 'Stream id: `before` for the next, older page.' }),
  at: epochMs,
  who: z.object({ role: z.string(), token: z.string().meta({ description: "The token's name." }) }),
  action: z.string(),
  flow: z.string(),
  target: auditTargetSchema.optional(),
  outcome: z.string().meta({ description: '`ok`, or the error code answered.' }),
  forced: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** `GET /admin/audit`: state changes made over HTTP, newest first. */
export const auditLogSchema = z.object({ entries: z.array(auditEntrySchema) });

/** `GET /auth/whoami`. */
export type WhoAmIResponse = Wire<z.output<typeof whoAmISchema>>;
/** `GET /admin/audit`. */
export type AuditLogResponse = Wire<z.output<typeof auditLogSchema>>;
