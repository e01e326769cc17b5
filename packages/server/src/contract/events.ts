/**
 * The API contract's events and signal URLs (`POST /events/:event`, `POST
 * /flow/:name/requests/:id/signals/:signal/url`). Re-exported by `contract.ts`.
 * @module
 */
import { z } from 'zod';
import type { Wire } from './wire.js';

/** `POST /flow/:name/requests/:id/signals/:signal/url` (200): a signal URL. */
export const signalUrlAnswerSchema = z.object({
  url: z.string().meta({ description: 'POST to it (no bearer token) to deliver the signal once.' }),
  expiresAt: z.string().meta({ description: 'When it expires (ISO 8601).' }),
});

/** `POST /events/:event` (202): how many waiting steps took the event. */
export const emitAnswerSchema = z.object({ event: z.string(), delivered: z.number().int() });

/** `POST /flow/:name/requests/:id/signals/:signal/url`. */
export type SignalUrlResponse = Wire<z.output<typeof signalUrlAnswerSchema>>;

/** `POST /events/:event`. */
export type EmitResponse = Wire<z.output<typeof emitAnswerSchema>>;
