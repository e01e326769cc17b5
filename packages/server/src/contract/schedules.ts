/**
 * The API contract's schedules (`/flows/:name/schedules`), concurrency and fairness options. Re-exported by
 * `contract.ts`.
 * @module
 */
import { z } from 'zod';
import type { Wire } from './wire.js';

/** A flow's schedule with its next run. */
export const scheduleSchema = z.object({
  id: z.string(),
  cron: z.string().optional(),
  everyMs: z.number().optional(),
  tz: z.string().optional(),
  input: z.unknown(),
  next: z
    .number()
    .optional()
    .meta({ description: 'When the next request starts (ms since epoch).' }),
});

/** `GET /flows/:name/schedules`. */
export const scheduleListSchema = z.object({ schedules: z.array(scheduleSchema) });

/** The body of `PUT /flows/:name/schedules/:id`: exactly one of `cron` and `everyMs`. */
export const scheduleBodySchema = z.object({
  cron: z.string().optional().meta({ description: 'A cron pattern (5 or 6 fields).' }),
  everyMs: z.number().optional().meta({
    description:
      "An interval, at least the service's minScheduleIntervalMs (60,000 ms by default).",
  }),
  tz: z.string().optional().meta({ description: 'An IANA time zone for `cron`.' }),
  input: z.unknown().optional().meta({ description: "Each request's input (default null)." }),
});

/** `DELETE /flows/:name/schedules/:id`. */
export const scheduleRemovedSchema = z.object({ id: z.string(), removed: z.literal(true) });

/** A flow's concurrency option: nodes at once, or a concurrency key's limit. */
export const concurrencySchema = z.union([
  z.number(),
  z.object({
    limit: z.number(),
    keyPath: z.string().optional(),
    key: z.literal('function').optional(),
  }),
]);

/** A flow's `fairness` option as data (its functions show as `'function'`). Added with T3-8. */
export const fairnessSchema = z.object({
  key: z.literal('function'),
  weight: z.literal('function').optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});

/** A flow's schedule. */
export type ScheduleResponse = Wire<z.output<typeof scheduleSchema>>;
/** `GET /flows/:name/schedules`. */
export type ScheduleListResponse = Wire<z.output<typeof scheduleListSchema>>;
/** The body of `PUT /flows/:name/schedules/:id`. */
export type ScheduleRequest = z.input<typeof scheduleBodySchema>;
