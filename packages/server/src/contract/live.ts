/**
 * The API contract's live parts: worker processes (`GET /workers`) and the Server-Sent Events of
 * `GET /flow/:name/requests/:id/events` and `GET /flow/:name/events`. Re-exported by `contract.ts`.
 * @module
 */
import { z } from 'zod';
import type { Wire } from './wire.js';

const epochMs = z.number().meta({ description: 'ms since the epoch' });

/** A node a worker process runs now. */
export const runningNodeSchema = z.object({
  flow: z.string(),
  requestId: z.string(),
  path: z.string(),
  since: epochMs,
});

/** A live worker process, as it announced itself with its last heartbeat. */
export const workerInfoSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  version: z.string().meta({ description: 'The @dagflow/engine version it runs.' }),
  startedAt: epochMs,
  beatAt: epochMs.meta({ description: 'Its last heartbeat; live for 15 s after it.' }),
  queues: z.array(z.object({ flow: z.string(), queue: z.string() })),
  runningCount: z.number().int().nonnegative(),
  running: z.array(runningNodeSchema).meta({ description: 'The nodes it has run longest (20).' }),
});

/** `GET /workers`. */
export const workerListSchema = z.object({ workers: z.array(workerInfoSchema) });

/** The text of a Server-Sent Events stream (`event:` and `data:` lines, JSON data). */
export const eventStreamSchema = z.string().meta({
  description:
    'Server-Sent Events: `event: <name>` and `data: <JSON>` lines, a blank line after each event; comment lines keep the stream open.',
});

/**
 * One chunk a handler emitted (`ctx.emit`): `event: chunk` (with `id: <seq>`) on
 * `GET /flow/:name/requests/:id/stream` and `POST /flow/:name?stream=1`. Bytes come as base64 text,
 * marked `encoding: 'base64'`.
 */
export const streamChunkSchema = z.object({
  node: z.string(),
  attempt: z.number().int(),
  seq: z.number().int(),
  data: z.unknown(),
  encoding: z.literal('base64').optional(),
});

/**
 * The end of a chunk stream: `event: end` with the request's status (or the node's, for a stream of
 * one node); `POST /flow/:name?stream=1` adds the result of a completed request (bytes as base64,
 * marked `encoding`).
 */
export const streamEndSchema = z.object({
  status: z.string(),
  result: z.unknown().optional(),
  encoding: z.literal('base64').optional(),
});

/** A request of a flow was created (`pending`) or changed status: `event: request` on `GET /flow/:name/events`. */
export const flowChangeSchema = z.object({ requestId: z.string(), status: z.string() });

/**
 * The request's state after one event of `GET /flow/:name/requests/:id/events`: a `state` event
 * replaces it, `nodes` replaces the nodes it carries, `request` the request's status (and end time and
 * error); other events leave it as it was (answers undefined).
 */
export function withLiveEvent<S extends { readonly nodes: Readonly<Record<string, unknown>> }>(
  state: S | undefined,
  event: string,
  data: unknown,
): S | undefined {
  if (event === 'state') return data as S;
  if (state === undefined) return undefined;
  if (event === 'nodes') {
    const { nodes } = data as { readonly nodes: S['nodes'] };
    return { ...state, nodes: { ...state.nodes, ...nodes } };
  }
  if (event === 'request') return { ...state, ...(data as Partial<S>) };
  return undefined;
}

/** A live worker process. */
export type WorkerInfo = Wire<z.output<typeof workerInfoSchema>>;
/** `GET /workers`. */
export type WorkerListResponse = Wire<z.output<typeof workerListSchema>>;
/** The data of an `event: chunk` of a chunk stream. */
export type StreamChunkEvent = Wire<z.output<typeof streamChunkSchema>>;
/** The data of an `event: end` of a chunk stream. */
export type StreamEndEvent = Wire<z.output<typeof streamEndSchema>>;
/** The data of an `event: request` of `GET /flow/:name/events`. */
export type FlowChangeEvent = Wire<z.output<typeof flowChangeSchema>>;
