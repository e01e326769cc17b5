import { AUDIT_PAGE_LIMIT, parseDefinition } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { z } from 'zod';
import { auditLogSchema, flowInfoSchema, stepChangeSchema } from '../contract/index.js';
import { noteAudit } from './declaration/audit-record.js';
import { applyChange } from './registry-changes.js';
import { flowParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './declaration/route.js';

const force = z.object({
  force: z
    .string()
    .optional()
    .meta({ description: '`true` lets an admin change a flow defined in code.' }),
});
const stepParams = flowParams.extend({ id: z.string().meta({ description: 'The step id.' }) });
const changed = {
  200: {
    description: 'The flow after the change.',
    content: { 'application/json': flowInfoSchema },
  },
};
/** What `applyChange` raises: a code-defined flow changed without `?force=true`. */
const CHANGE_ERRORS = ['FLOW_OWNED_BY_CODE'] as const;

const register = defineRoute({
  method: 'post',
  path: '/flows',
  id: 'registerFlow',
  access: 'admin',
  audit: 'register',
  summary: 'Register a declarative flow (JSON, or YAML when the content type says so).',
  query: force,
  body: {
    read: 'raw',
    description: 'A flow definition (schema: docs/flow-definition.schema.json).',
    required: true,
    content: {
      'application/json': z.looseObject({ name: z.string() }),
      'application/yaml': z.string(),
      'text/yaml': z.string(),
    },
  },
  answers: { 201: { description: 'Registered.', content: { 'application/json': flowInfoSchema } } },
  calls: ['registerDefinition', 'flowOrigin'],
  // parseDefinition and definitionName: text that is no definition.
  errors: ['DEFINITION_INVALID', ...CHANGE_ERRORS],
  async handle({ service, req, res }) {
    const type = req.headers['content-type'] ?? '';
    const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const definition = parseDefinition(text, /ya?ml/.test(type) ? 'yaml' : 'json');
    const change = { action: 'register', flow: definitionName(definition) };
    noteAudit(res, { flow: change.flow });
    const info = await applyChange(service, { req, res }, change, () => {
      const registered = service.registerDefinition(definition);
      return { info: registered, details: { version: registered.version } };
    });
    sendJson(res, 201, flowInfoSchema, info);
  },
});

// Run-time changes of a flow registered in this process, with registered operations.
const addStep = defineRoute({
  method: 'post',
  path: '/admin/flows/:name/steps',
  id: 'addStep',
  access: 'admin',
  audit: 'add-step',
  summary: 'Add a step (a registered operation) to a flow at run time.',
  params: flowParams,
  query: force,
  body: { read: 'json', description: 'The step.', schema: stepChangeSchema },
  answers: changed,
  calls: ['addStep', 'flowOrigin'],
  errors: CHANGE_ERRORS,
  async handle({ service, params, body, req, res }) {
    const { id = '', ...step } = stepFromBody(body);
    const change = { action: 'add-step', flow: params.name };
    noteAudit(res, { target: { node: id } });
    const info = await applyChange(service, { req, res }, change, () => ({
      info: service.addStep(change.flow, { ...step, id }),
    }));
    sendJson(res, 200, flowInfoSchema, info);
  },
});

const replaceStep = defineRoute({
  method: 'put',
  path: '/admin/flows/:name/steps/:id',
  id: 'replaceStep',
  access: 'admin',
  audit: 'replace-step',
  summary: 'Replace a step of a flow at run time.',
  params: stepParams,
  query: force,
  body: { read: 'json', description: 'The new step.', schema: stepChangeSchema },
  answers: changed,
  calls: ['replaceStep', 'flowOrigin'],
  errors: CHANGE_ERRORS,
  async handle({ service, params, body, req, res }) {
    const change = { action: 'replace-step', flow: params.name };
    const info = await applyChange(service, { req, res }, change, () => ({
      info: service.replaceStep(change.flow, params.id, stepFromBody(body)),
    }));
    sendJson(res, 200, flowInfoSchema, info);
  },
});

const removeStep = defineRoute({
  method: 'delete',
  path: '/admin/flows/:name/steps/:id',
  id: 'removeStep',
  access: 'admin',
  audit: 'remove-step',
  summary: 'Remove a step of a flow at run time.',
  params: stepParams,
  query: force,
  answers: changed,
  calls: ['removeStep', 'flowOrigin'],
  errors: CHANGE_ERRORS,
  async handle({ service, params, req, res }) {
    const change = { action: 'remove-step', flow: params.name };
    const info = await applyChange(service, { req, res }, change, () => ({
      info: service.removeStep(change.flow, params.id),
    }));
    sendJson(res, 200, flowInfoSchema, info);
  },
});

const audit = defineRoute({
  method: 'get',
  path: '/admin/audit',
  id: 'auditLog',
  access: 'admin',
  summary:
    'State changes made over HTTP (registry changes, request control, signals, schedules, ' +
    'migrations), newest first, with caller and outcome.',
  query: z.object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(AUDIT_PAGE_LIMIT)
      .default(100)
      .meta({ description: `Entries, 1-${AUDIT_PAGE_LIMIT}.` }),
    before: z
      .string()
      .regex(/^\d+-\d+$/, { error: 'must be the id of an entry (<ms>-<seq>)' })
      .optional()
      .meta({ description: 'Only entries older than this one (the last `id` of a page).' }),
  }),
  answers: {
    200: { description: 'The entries.', content: { 'application/json': auditLogSchema } },
  },
  calls: ['auditLog'],
  async handle({ service, query, res }) {
    const entries = await service.auditLog.list(query.limit, query.before);
    sendJson(res, 200, auditLogSchema, { entries });
  },
});

/**
 * The routes that change the flow registry (admin): register a declarative flow, add, replace and
 * remove steps of a flow at run time, read the audit log. Each change is refused for a code-defined
 * flow without `?force=true`, and audited.
 */
export const registryRoutes: readonly Route[] = [register, addStep, replaceStep, removeStep, audit];

/** The `name` of a parsed definition, before its full validation: the registry change needs it. */
function definitionName(definition: unknown): string {
  const name =
    typeof definition === 'object' && definition !== null
      ? (definition as { name?: unknown }).name
      : undefined;
  if (typeof name !== 'string') {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      'A flow definition must be an object with a string `name`.',
      { details: { place: 'name' } },
    );
  }
  return name;
}

/** A step change as the service takes it: `retries` and `timeoutMs` become its `options`. */
function stepFromBody(body: z.output<typeof stepChangeSchema>) {
  const { retries, timeoutMs, ...step } = body;
  const options = {
    ...(retries === undefined ? {} : { retries }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  return Object.keys(options).length === 0 ? step : { ...step, options };
}
