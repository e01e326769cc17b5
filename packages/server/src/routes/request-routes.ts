import { REQUEST_ID } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { z } from 'zod';
import { noteAudit } from './declaration/audit-record.js';
import { forwardedHeaders, forwardedQuery, inputFromBody } from '../http/body.js';
import {
  eventStreamSchema,
  executeAnswerSchema,
  nodeDetailSchema,
  requestPageSchema,
  requestStateSchema,
  requestStatusSchema,
} from '../contract/index.js';
import { type Route, defineRoute, sendJson } from './declaration/route.js';
import { openEventStream } from '../http/event-stream.js';
import { takeStreamPlace } from '../http/stream-quota.js';
import { sendChunks } from '../http/chunk-events.js';
import { sendResult, sendResultText } from '../http/result-answer.js';

/** `:name`: a flow. */
export const flowParams = z.object({ name: z.string().meta({ description: 'The flow.' }) });
export const requestParams = flowParams.extend({
  id: z.string().meta({ description: 'The request id.' }),
});

/** A request's result: any JSON value, or bytes for a binary result. */
const anyResult = {
  'application/json': z.unknown(),
  'application/octet-stream': z.string().meta({ format: 'binary' }),
};
/**
 * The bodies an execute or a signal takes, as `inputFromBody` reads them: JSON, text (`text/*`), a
 * form body as its text (what `curl -d` sends; not decoded into fields), bytes for any other type.
 */
export const anyInput = {
  'application/json': z.unknown().meta({ description: 'Any JSON value.' }),
  'text/plain': z.string().meta({ description: 'Text (so is every `text/*` type).' }),
  // Any fields, as OpenAPI describes a form by its fields; what the flow gets is the body's text.
  'application/x-www-form-urlencoded': z.record(z.string(), z.string()).meta({
    description:
      "Any form body; the input is the body's text as it is, not decoded into fields: " +
      '`curl -d hallo` sends the string `hallo`.',
  }),
  'application/octet-stream': z
    .string()
    .meta({ format: 'binary', description: 'Bytes (so is any other media type).' }),
};

const REQUEST_ID_HEADER = 'The request id (also the answer to a caller-supplied `X-Request-Id`).';
const BATCH_HEADER = "A batched flow: the input's position (0-based) in the batch's input array.";

const execute = defineRoute({
  method: 'post',
  path: '/flow/:name',
  id: 'execute',
  access: 'operator',
  audit: 'execute',
  summary:
    'Execute a flow: the body is the input (JSON for application/json, text for text/* and form ' +
    'bodies, else bytes). Other query parameters reach the handlers as ctx.query.',
  params: flowParams,
  query: z.looseObject({
    wait: z.coerce
      .number({ error: 'must be a number of seconds in (0, 300]' })
      .gt(0, { error: 'must be a number of seconds in (0, 300]' })
      .lte(300, { error: 'must be a number of seconds in (0, 300]' })
      .optional()
      .meta({ description: 'Seconds to wait for the result (0 < wait <= 300).' }),
    deadlineMs: z.coerce
      .number({ error: 'must be an integer >= 0 (ms)' })
      .int({ error: 'must be an integer >= 0 (ms)' })
      .min(0, { error: 'must be an integer >= 0 (ms)' })
      .optional()
      .meta({
        description:
          "A finish deadline for this request (ms from now): not ended by then, it is stopped with error code DEADLINE_EXCEEDED. Wins over the flow's deadline.finishMs.",
      }),
    stream: z
      .enum(['1', 'true'], { error: "must be '1' or 'true'" })
      .optional()
      .meta({
        description:
          'Execute and stream in one call: answers `200 text/event-stream` with `request` ' +
          '(`{ requestId }`), then the chunks and the `end` of `GET /flow/:name/requests/:id/stream`, ' +
          'the end with the result of a completed request. Takes a live-stream place ' +
          '(`429 TOO_MANY_STREAMS`).',
      }),
  }),
  headers: z.object({
    // The engine checks the id (400 INVALID_REQUEST_ID); the pattern documents its rule.
    'x-request-id': z
      .string()
      .optional()
      .meta({
        description:
          'Idempotency: the same id never runs twice (1-128 of [A-Za-z0-9_.-], not beginning with `child-`).',
        pattern: REQUEST_ID.source,
        minLength: 1,
        maxLength: 128,
        examples: ['order-1234'],
      }),
  }),
  body: {
    read: 'raw',
    description: 'The input; an empty body is null.',
    required: false,
    content: anyInput,
    anyType: true,
  },
  answers: {
    200: {
      description:
        'With ?wait: the result, once done. With ?stream=1: the event stream. For a singleton flow ' +
        '(mode skip) with a live request of the same key: `{ requestId, skipped: true }`, that request. ' +
        "For a batched flow, ?wait gives the batch's result (the input's part: header X-Batch-Position).",
      content: { ...anyResult, 'text/event-stream': eventStreamSchema },
      headers: { 'X-Request-Id': REQUEST_ID_HEADER, 'X-Batch-Position': BATCH_HEADER },
    },
    202: {
      description:
        'Started (or, with ?wait, still running at the deadline). A batched flow answers its batch ' +
        "request's id and the input's `position` in the batch (also header X-Batch-Position).",
      content: { 'application/json': executeAnswerSchema },
      headers: { 'X-Request-Id': REQUEST_ID_HEADER, 'X-Batch-Position': BATCH_HEADER },
    },
  },
  calls: ['execute', 'waitForResultText', 'stream'],
  errors: ['TOO_MANY_STREAMS'],
  catches: ['WAIT_TIMEOUT'],
  async handle({ service, params, query, headers, req, res }) {
    const supplied = headers['x-request-id'];
    // A stream's place is taken before the request starts: a refusal starts nothing.
    const release = query.stream === undefined ? undefined : takeStreamPlace(req, res);
    let skipped = false;
    let batched: { position: number } | undefined;
    const requestId = await service
      .execute(params.name, inputFromBody(req), {
        ...(supplied === undefined ? {} : { requestId: supplied }),
        query: forwardedQuery(req),
        headers: forwardedHeaders(req),
        ...(query.wait === undefined ? {} : { willWait: true }),
        ...(query.deadlineMs === undefined ? {} : { deadlineMs: query.deadlineMs }),
        onSkipped: () => (skipped = true),
        onBatched: ({ position }) => (batched = { position }),
      })
      .catch((error: unknown) => {
        release?.();
        throw error;
      });
    res.setHeader('X-Request-Id', requestId);
    if (batched !== undefined) res.setHeader('X-Batch-Position', batched.position);
    noteAudit(res, { target: { requestId } });
    if (skipped) {
      release?.();
      sendJson(res, 200, executeAnswerSchema, { requestId, skipped: true });
      return;
    }
    if (release !== undefined) {
      const events = openEventStream(req, res);
      events.onClose(release);
      events.send('request', { requestId, ...batched });
      await sendChunks(service, events, { flow: params.name, requestId, withResult: true });
      return;
    }
    if (query.wait === undefined) {
      sendJson(res, 202, executeAnswerSchema, { requestId, ...batched });
      return;
    }
    try {
      const result = await service.waitForResultText(params.name, requestId, {
        timeoutMs: query.wait * 1000,
      });
      sendResultText(res, result);
    } catch (error) {
      if (!(error instanceof DagflowError && error.code === ErrorCode.WAIT_TIMEOUT)) throw error;
      sendJson(res, 202, executeAnswerSchema, { requestId, status: 'running', ...batched });
    }
  },
});

const list = defineRoute({
  method: 'get',
  path: '/flow/:name/requests',
  id: 'listRequests',
  access: 'viewer',
  summary: 'Requests of a flow, newest first, paged.',
  params: flowParams,
  query: z.object({
    status: requestStatusSchema.optional().meta({ description: 'Only requests in this status.' }),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .optional()
      .meta({ description: 'Requests per page (default 50).' }),
    cursor: z.string().optional().meta({ description: 'The `cursor` of the previous page.' }),
  }),
  answers: { 200: { description: 'A page.', content: { 'application/json': requestPageSchema } } },
  calls: ['listRequests'],
  async handle({ service, params, query, res }) {
    const page = await service.listRequests(params.name, {
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
    sendJson(res, 200, requestPageSchema, page);
  },
});

const state = defineRoute({
  method: 'get',
  path: '/flow/:name/requests/:id',
  id: 'requestState',
  access: 'viewer',
  summary:
    "A request's state: status, timings, per-node status, attempts, errors. With `?nodes=<path prefix>` " +
    '(`?nodes=` for all) it lists one page of nodes (about `limit`, default 1,000) and a `cursor` for ' +
    'the next (`&cursor=`), for requests too large to read at once; nodes not begun yet are not listed.',
  params: requestParams,
  query: z.object({
    nodes: z
      .string()
      .max(1_000)
      .optional()
      .meta({ description: 'Page through the nodes whose path starts with this (`each[`).' }),
    cursor: z
      .string()
      .regex(/^\d{1,20}$/)
      .optional()
      .meta({ description: 'The `cursor` of the previous page.' }),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(5_000)
      .optional()
      .meta({ description: 'About how many nodes a page lists (default 1,000).' }),
  }),
  answers: {
    200: { description: 'The state.', content: { 'application/json': requestStateSchema } },
  },
  calls: ['statePage', 'state'],
  async handle({ service, params, query, res }) {
    const paged = query.nodes !== undefined || query.cursor !== undefined;
    const state = paged
      ? await service.statePage(params.name, params.id, {
          nodes: query.nodes ?? '',
          ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        })
      : await service.state(params.name, params.id);
    sendJson(res, 200, requestStateSchema, state);
  },
});

const node = defineRoute({
  method: 'get',
  path: '/flow/:name/requests/:id/nodes/:path',
  id: 'nodeDetail',
  access: 'viewer',
  summary: 'One node of a request: its state, input and output.',
  params: requestParams.extend({
    path: z
      .string()
      .meta({ description: 'The node path, percent-encoded (`each%5B42%5D%2Fcheck`).' }),
  }),
  answers: { 200: { description: 'The node.', content: { 'application/json': nodeDetailSchema } } },
  calls: ['nodeDetail'],
  async handle({ service, params, res }) {
    const detail = await service.nodeDetail(params.name, params.id, params.path);
    sendJson(res, 200, nodeDetailSchema, detail);
  },
});

const result = defineRoute({
  method: 'get',
  path: '/flow/:name/requests/:id/result',
  id: 'requestResult',
  access: 'viewer',
  summary: "A finished request's result (JSON, or bytes for a binary result).",
  params: requestParams,
  answers: { 200: { description: 'The result.', content: anyResult } },
  calls: ['result'],
  async handle({ service, params, res }) {
    sendResult(res, await service.result(params.name, params.id));
  },
});

/** The routes that start and read requests (those that change one: `command-routes.ts`). */
export const requestRoutes: readonly Route[] = [execute, list, state, node, result];
