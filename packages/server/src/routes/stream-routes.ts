import { z } from 'zod';
import { openEventStream } from '../http/event-stream.js';
import { takeStreamPlace } from '../http/stream-quota.js';
import { sendChunks } from '../http/chunk-events.js';
import { eventStreamSchema } from '../contract/index.js';
import { requestParams } from './request-routes.js';
import { type Route, defineRoute } from './declaration/route.js';

/** A seq to resume after: a non-negative integer. */
const seqSchema = z.coerce
  .number({ error: 'must be a chunk seq (a non-negative integer)' })
  .int({ error: 'must be a chunk seq (a non-negative integer)' })
  .min(0, { error: 'must be a chunk seq (a non-negative integer)' });

const requestStream = defineRoute({
  method: 'get',
  path: '/flow/:name/requests/:id/stream',
  id: 'requestStream',
  access: 'viewer',
  summary:
    "The chunks a request's handlers emit (`ctx.emit`), as Server-Sent Events: `chunk` " +
    '(`{ node, attempt, seq, data }`, `id: <seq>`; bytes as base64 with `encoding`) for each, in ' +
    'order, from the first one, after `?from=<seq>`, or after the `Last-Event-ID` a reconnecting ' +
    'client sends (it wins over `from`); then `end` (`{ status }`) once the request (with `?node=`, ' +
    'that node) ended, and the stream closes. A stream after the end sends what is left, then `end`. ' +
    '`429 TOO_MANY_STREAMS` past the per-token or per-server limit.',
  params: requestParams,
  query: z.object({
    from: seqSchema.optional().meta({ description: 'Resume after this chunk seq.' }),
    node: z.string().optional().meta({ description: 'Only the chunks of this node path.' }),
  }),
  headers: z.object({
    'last-event-id': seqSchema.optional().meta({
      description: 'The seq of the last chunk seen (sent by a reconnecting EventSource).',
    }),
  }),
  answers: {
    200: { description: 'The event stream.', content: { 'text/event-stream': eventStreamSchema } },
  },
  calls: ['state', 'stream'],
  errors: ['TOO_MANY_STREAMS'],
  async handle({ service, params, query, headers, req, res }) {
    const { name, id } = params;
    // Unknown flows and requests answer as errors, before the stream opens.
    await service.state(name, id);
    const release = takeStreamPlace(req, res);
    const events = openEventStream(req, res);
    events.onClose(release);
    await sendChunks(service, events, {
      flow: name,
      requestId: id,
      node: query.node,
      from: headers['last-event-id'] ?? query.from,
    });
  },
});

/** Chunk streams of requests. */
export const streamRoutes: readonly Route[] = [requestStream];
