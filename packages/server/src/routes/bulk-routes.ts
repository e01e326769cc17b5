import { DagflowError, ErrorCode } from '@dagflow/flow';
import { z } from 'zod';
import { callerOf } from '../auth/caller.js';
import { hasRole } from '../auth/roles.js';
import {
  bulkBodySchema,
  bulkDryRunSchema,
  bulkProgressSchema,
  bulkStartedSchema,
} from '../contract/index.js';
import { noteAudit } from './declaration/audit-record.js';
import { flowParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './declaration/route.js';

const startBulk = defineRoute({
  method: 'post',
  path: '/flow/:name/requests/bulk',
  id: 'startBulk',
  access: 'operator',
  audit: 'bulk',
  summary:
    'Apply an action (stop, rerun, resume, migrate, delete) to every request of the flow that the ' +
    'filter matches, as a job that survives the death of the process running it; answers its id at ' +
    'once (202). `delete` needs the admin role and refuses unfinished requests. `dryRun` only counts. Audited.',
  params: flowParams,
  body: {
    read: 'json',
    description: 'The action, the filter, and whether it only counts.',
    schema: bulkBodySchema,
  },
  answers: {
    200: {
      description: 'A dry run: how many requests match.',
      content: { 'application/json': bulkDryRunSchema },
    },
    202: {
      description: 'Started: follow it with GET .../bulk/:id.',
      content: { 'application/json': bulkStartedSchema },
    },
  },
  calls: ['bulk', 'startBulk'],
  errors: ['FORBIDDEN'],
  async handle({ service, params, body, res }) {
    const { action, filter, dryRun } = body;
    if (action === 'delete' && !hasRole(callerOf(res).role, 'admin')) {
      throw new DagflowError(
        ErrorCode.FORBIDDEN,
        'A bulk delete needs the admin role; other bulk actions need operator.',
        { details: { needed: 'admin' } },
      );
    }
    if (dryRun === true) {
      sendJson(
        res,
        200,
        bulkDryRunSchema,
        await service.bulk(params.name, filter, action, { dryRun: true }),
      );
      return;
    }
    const started = await service.startBulk(params.name, filter, action);
    noteAudit(res, { details: { action, filter, id: started.id } });
    sendJson(res, 202, bulkStartedSchema, started);
  },
});

const bulkProgress = defineRoute({
  method: 'get',
  path: '/flow/:name/requests/bulk/:bulkId',
  id: 'bulkProgress',
  access: 'viewer',
  summary:
    "A bulk action's progress: matched, done and failed requests, the first failures' codes; kept 24 h.",
  params: flowParams.extend({ bulkId: z.string().meta({ description: 'The bulk action id.' }) }),
  answers: {
    200: { description: 'Its progress.', content: { 'application/json': bulkProgressSchema } },
  },
  calls: ['bulkProgress'],
  async handle({ service, params, res }) {
    sendJson(res, 200, bulkProgressSchema, await service.bulkProgress(params.name, params.bulkId));
  },
});

/** Bulk actions over the requests a filter matches (declared before the routes of one request). */
export const bulkRoutes: readonly Route[] = [startBulk, bulkProgress];
