import { z } from 'zod';
import { callerOf } from '../auth/caller.js';
import { flowDetailSchema, flowListSchema, healthSchema, whoAmISchema } from '../contract/index.js';
import { inScope } from '../auth/flow-scope.js';
import { openApiDocument } from './declaration/openapi.js';
import { flowParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './declaration/route.js';

const flows = defineRoute({
  method: 'get',
  path: '/flows',
  id: 'listFlows',
  tag: 'Flows',
  access: 'viewer',
  summary: "The registered flows (a scoped token's flows only).",
  answers: { 200: { description: 'The flows.', content: { 'application/json': flowListSchema } } },
  calls: ['flows'],
  async handle({ service, res }) {
    const caller = callerOf(res);
    const flows = (await service.flows()).filter((each) => inScope(caller, each.name));
    sendJson(res, 200, flowListSchema, { flows });
  },
});

const flow = defineRoute({
  method: 'get',
  path: '/flows/:name',
  id: 'describeFlow',
  tag: 'Flows',
  access: 'viewer',
  summary: 'A flow: its version, live workers and DAG description.',
  params: flowParams,
  answers: { 200: { description: 'The flow.', content: { 'application/json': flowDetailSchema } } },
  calls: ['describe', 'flows', 'listSchedules'],
  async handle({ service, params, res }) {
    const { name } = params;
    const dag = await service.describe(name);
    const info = (await service.flows()).find((each) => each.name === name);
    const schedules = await service.listSchedules(name);
    sendJson(res, 200, flowDetailSchema, {
      name,
      version: info?.version ?? '',
      workers: info?.workers ?? {},
      ...(info?.concurrency === undefined ? {} : { concurrency: info.concurrency }),
      ...(info?.fairness === undefined ? {} : { fairness: info.fairness }),
      schedules,
      dag,
    });
  },
});

const whoami = defineRoute({
  method: 'get',
  path: '/auth/whoami',
  id: 'whoAmI',
  access: 'viewer',
  summary:
    "The caller's role, its token's name (`anonymous` when auth is off) and flow scope, if any.",
  answers: { 200: { description: 'The caller.', content: { 'application/json': whoAmISchema } } },
  calls: [],
  handle({ res }) {
    const { role, name, flows } = callerOf(res);
    sendJson(res, 200, whoAmISchema, {
      role,
      token: name,
      ...(flows === undefined ? {} : { flows }),
    });
  },
});

const metrics = defineRoute({
  method: 'get',
  path: '/metrics',
  id: 'metrics',
  access: 'viewer',
  summary: 'Prometheus metrics (text exposition format 0.0.4).',
  answers: { 200: { description: 'The metrics.', content: { 'text/plain': z.string() } } },
  calls: ['metrics'],
  async handle({ service, res }) {
    res.type('text/plain; version=0.0.4').send(await service.metrics());
  },
});

const health = defineRoute({
  method: 'get',
  path: '/healthz',
  id: 'health',
  access: 'open',
  summary: 'Liveness: whether Redis answers.',
  answers: {
    200: { description: 'Healthy.', content: { 'application/json': healthSchema } },
    503: { description: 'Redis is unreachable.', content: { 'application/json': healthSchema } },
  },
  // Whatever ping throws answers 503 with the health body.
  calls: ['ping'],
  catches: ['SERVICE_CLOSED'],
  async handle({ service, res }) {
    const healthy = await service.ping().then(
      () => true,
      () => false,
    );
    sendJson(res, healthy ? 200 : 503, healthSchema, {
      status: healthy ? 'ok' : 'redis unreachable',
    });
  },
});

const openapi = defineRoute({
  method: 'get',
  path: '/openapi.json',
  id: 'openApi',
  access: 'open',
  summary: 'This document: the OpenAPI 3.1 description of every route.',
  answers: {
    200: { description: 'The document.', content: { 'application/json': z.looseObject({}) } },
  },
  calls: [],
  handle({ routes, res }) {
    res.json(openApiDocument(routes));
  },
});

/** The routes that list and describe flows, and the server's own: caller, metrics, health, document. */
export const serviceRoutes: readonly Route[] = [flows, flow, whoami, metrics, health, openapi];
