import type { FlowApi, RerunOptions } from '@dagflow/engine';
import type { Request } from 'express';
import { z } from 'zod';
import { noteAudit } from './declaration/audit-record.js';
import { inputFromBody } from '../http/body.js';
import {
  controlAnswerSchema,
  emitAnswerSchema,
  signalAnswerSchema,
  signalUrlAnswerSchema,
} from '../contract/index.js';
import { anyInput, requestParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './declaration/route.js';

/** What a lifecycle command does to a request, given its body (a rerun's new input, if any). */
type Command = (
  service: FlowApi,
  params: { name: string; id: string },
  req: Request,
) => Promise<void>;

const COMMANDS: Readonly<Record<'pause' | 'resume' | 'stop' | 'rerun', [string, Command]>> = {
  pause: [
    'Pause a request: ready successors are held, running nodes finish.',
    (service, { name, id }) => service.pause(name, id),
  ],
  resume: [
    'Resume a paused request: what was held is enqueued.',
    (service, { name, id }) => service.resume(name, id),
  ],
  stop: [
    'Stop a request: waiting nodes are removed, running ones aborted, compensations run.',
    (service, { name, id }) => service.stop(name, id),
  ],
  rerun: [
    'Rerun a failed or stopped request from its failed nodes; a body is their new input. With ' +
      '`?from=<node>` (or a JSON body `{"from": "<node>", "input"?: ...}`) a completed, failed or ' +
      'stopped request reruns from that top-level node and everything after it; the body (or its ' +
      "`input`) is that node's new input.",
    (service, { name, id }, req) => service.rerun(name, id, rerunOptions(req)),
  ],
};

const control = Object.entries(COMMANDS).map(([command, [summary, run]]) =>
  defineRoute({
    method: 'post',
    path: `/flow/:name/requests/:id/${command}`,
    id: `${command}Request`,
    access: 'operator',
    audit: command,
    summary,
    params: requestParams,
    ...(command === 'rerun'
      ? {
          query: z.object({
            from: z
              .string()
              .optional()
              .meta({ description: 'Rerun from this top-level node; the body is its new input.' }),
          }),
        }
      : {}),
    body: {
      read: 'raw',
      description:
        command === 'rerun'
          ? 'A new input for the failed nodes (with `from`: for that node), or `{"from", "input"}`.'
          : 'Ignored.',
      required: false,
      content: { 'application/json': z.unknown() },
    },
    answers: {
      200: {
        description: "The request's status after the command.",
        content: { 'application/json': controlAnswerSchema },
      },
    },
    // `run` calls the service method of the command's name.
    calls: [command as keyof typeof COMMANDS, 'state'],
    async handle({ service, params, req, res }) {
      if (command === 'rerun') {
        const { from, ...rest } = rerunOptions(req);
        if (from !== undefined || 'input' in rest)
          noteAudit(res, {
            details: { newInput: 'input' in rest, ...(from === undefined ? {} : { from }) },
          });
      }
      await run(service, params, req);
      const { status } = await service.state(params.name, params.id);
      sendJson(res, 200, controlAnswerSchema, { requestId: params.id, status });
    },
  }),
);

/** A signal's payload: the body, as for execute. */
const signalPayload = {
  read: 'raw',
  description: 'The payload; none is null.',
  required: false,
  content: anyInput,
  anyType: true,
} as const;

/** What a delivered signal answers. */
const signalStored = {
  202: {
    description: 'Stored for that node.',
    content: { 'application/json': signalAnswerSchema },
  },
} as const;

const signal = defineRoute({
  method: 'post',
  path: '/flow/:name/requests/:id/signals/:signal',
  id: 'signalRequest',
  access: 'operator',
  audit: 'signal',
  summary:
    'Deliver a signal to a signal node (dag.signal) of a request: the node completes with the body ' +
    '(JSON, text or bytes, as for execute) once reached, at once if it waits. One signal per node.',
  params: requestParams.extend({
    signal: z.string().meta({ description: 'The signal node (its path).' }),
  }),
  body: signalPayload,
  answers: signalStored,
  calls: ['signal'],
  async handle({ service, params, req, res }) {
    const payload = hasBody(req) ? inputFromBody(req) : null;
    await service.signal(params.name, params.id, params.signal, payload);
    sendJson(res, 202, signalAnswerSchema, { requestId: params.id, signal: params.signal });
  },
});

const signalPath = requestParams.extend({
  signal: z.string().meta({ description: 'The signal node (its path).' }),
});

const makeSignalUrl = defineRoute({
  method: 'post',
  path: '/flow/:name/requests/:id/signals/:signal/url',
  id: 'signalUrl',
  access: 'operator',
  audit: 'signal-url',
  summary:
    'Make a signal URL: POST to it, without a bearer token, delivers the signal once (for a third ' +
    "party's webhook). HMAC-signed with DAGFLOW_SIGNING_KEY; expires after expiresInMs (24 h).",
  params: signalPath,
  query: z.object({
    expiresInMs: z.coerce
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: 'Milliseconds the URL may be used in (default 24 hours).' }),
  }),
  answers: {
    200: { description: 'The URL.', content: { 'application/json': signalUrlAnswerSchema } },
  },
  calls: ['signalUrl'],
  handle({ service, params, query, res }) {
    const { expiresInMs = 24 * 60 * 60 * 1000 } = query;
    const url = service.signalUrl(params.name, params.id, params.signal, { expiresInMs });
    const expiresAt = new Date(Date.now() + expiresInMs).toISOString();
    sendJson(res, 200, signalUrlAnswerSchema, { url, expiresAt });
  },
});

const signalByUrl = defineRoute({
  method: 'post',
  path: '/signals/:token',
  id: 'signalByUrl',
  access: 'open',
  audit: 'signal',
  summary:
    'Deliver the signal a signal URL names, once, without a bearer token (the token is the ' +
    'credential): the body is the payload, as for POST /flow/:name/requests/:id/signals/:signal.',
  params: z.object({ token: z.string().meta({ description: "The URL's signed token." }) }),
  body: signalPayload,
  answers: signalStored,
  calls: ['verifySignalUrl', 'signalByUrl'],
  async handle({ service, params, req, res }) {
    // Audited as the URL (the token is its only credential): by its key id once verified.
    res.locals['caller'] = { role: 'operator', name: 'signal-url' };
    const { flow, requestId, signal, kid } = service.verifySignalUrl(params.token);
    res.locals['caller'] = { role: 'operator', name: `signal-url:${kid}` };
    noteAudit(res, { flow, target: { requestId, signal } });
    const payload = hasBody(req) ? inputFromBody(req) : null;
    await service.signalByUrl(params.token, payload);
    sendJson(res, 202, signalAnswerSchema, { requestId, signal });
  },
});

const emit = defineRoute({
  method: 'post',
  path: '/events/:event',
  id: 'emitEvent',
  access: 'operator',
  audit: 'emit',
  summary:
    'Emit an event: every step waiting for it (dag.waitFor) whose match its data satisfies ' +
    'completes with the body (JSON, text or bytes), once.',
  params: z.object({ event: z.string().meta({ description: 'The event name.' }) }),
  body: {
    read: 'raw',
    description: "The event's data; none is null.",
    required: false,
    content: anyInput,
    anyType: true,
  },
  answers: {
    202: {
      description: 'Delivered to the matching waiting steps.',
      content: { 'application/json': emitAnswerSchema },
    },
  },
  calls: ['emit'],
  async handle({ service, params, req, res }) {
    const data = hasBody(req) ? inputFromBody(req) : null;
    const { delivered } = await service.emit(params.event, data);
    noteAudit(res, { details: { event: params.event, delivered } });
    sendJson(res, 202, emitAnswerSchema, { event: params.event, delivered });
  },
});

/** The routes that change a request: the lifecycle commands, signals, signal URLs and events. */
export const commandRoutes: readonly Route[] = [
  ...control,
  signal,
  makeSignalUrl,
  signalByUrl,
  emit,
];

/**
 * A rerun's options from its request: `?from=` with the body as the node's input, or a JSON body of
 * exactly `from` (a string) and `input`, or a body that is the failed nodes' input.
 */
function rerunOptions(req: Request): RerunOptions {
  const input = hasBody(req) ? inputFromBody(req) : undefined;
  const from = req.query['from'];
  if (typeof from === 'string') return { from, ...(hasBody(req) ? { input } : {}) };
  if (isRerunFrom(input)) return input;
  return hasBody(req) ? { input } : {};
}

function isRerunFrom(body: unknown): body is { from: string; input?: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  return (
    typeof (body as { from?: unknown }).from === 'string' &&
    keys.every((key) => key === 'from' || key === 'input')
  );
}

/** Whether a raw body has bytes. */
function hasBody(req: Request): boolean {
  return Buffer.isBuffer(req.body) && req.body.length > 0;
}
