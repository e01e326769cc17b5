import { z } from 'zod';
import { noteAudit } from './audit-record.js';
import { inputFromBody } from '../http/body.js';
import { controlAnswerSchema, signalAnswerSchema } from '../contract/index.js';
import { anyInput, requestParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './route.js';

const COMMANDS = {
  pause: 'Pause a request: ready successors are held, running nodes finish.',
  resume: 'Resume a paused request: what was held is enqueued.',
  stop: 'Stop a request: waiting nodes are removed, running ones aborted, compensations run.',
  rerun: 'Rerun a failed or stopped request from its failed nodes; a body is their new input.',
} as const;

const control = Object.entries(COMMANDS).map(([command, summary]) =>
  defineRoute({
    method: 'post',
    path: `/flow/:name/requests/:id/${command}`,
    id: `${command}Request`,
    access: 'operator',
    audit: command,
    summary,
    params: requestParams,
    body: {
      read: 'raw',
      description: command === 'rerun' ? 'A new input for the failed nodes.' : 'Ignored.',
      required: false,
      content: { 'application/json': z.unknown() },
    },
    answers: {
      200: {
        description: "The request's status after the command.",
        content: { 'application/json': controlAnswerSchema },
      },
    },
    errors: ['FLOW_NOT_FOUND', 'REQUEST_NOT_FOUND', 'INVALID_TRANSITION', 'UNSUPPORTED_MEDIA_TYPE'],
    async handle({ service, params, req, res }) {
      const { name, id } = params;
      // A rerun may carry a new input for the failed nodes as its body.
      const hasBody = Buffer.isBuffer(req.body) && req.body.length > 0;
      if (command === 'rerun' && hasBody) {
        noteAudit(res, { details: { newInput: true } });
        await service.rerun(name, id, { input: inputFromBody(req) });
      } else await service[command as keyof typeof COMMANDS](name, id);
      const { status } = await service.state(name, id);
      sendJson(res, 200, controlAnswerSchema, { requestId: id, status });
    },
  }),
);

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
  body: {
    read: 'raw',
    description: 'The payload; none is null.',
    required: false,
    content: anyInput,
    anyType: true,
  },
  answers: {
    202: {
      description: 'Stored for that node.',
      content: { 'application/json': signalAnswerSchema },
    },
  },
  errors: [
    'FLOW_NOT_FOUND',
    'REQUEST_NOT_FOUND',
    'SIGNAL_NOT_FOUND',
    'SIGNAL_ALREADY_DELIVERED',
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  async handle({ service, params, req, res }) {
    const hasBody = Buffer.isBuffer(req.body) && req.body.length > 0;
    const payload = hasBody ? inputFromBody(req) : null;
    await service.signal(params.name, params.id, params.signal, payload);
    sendJson(res, 202, signalAnswerSchema, { requestId: params.id, signal: params.signal });
  },
});

/** The routes that change a request: the lifecycle commands and signals. */
export const commandRoutes: readonly Route[] = [...control, signal];
