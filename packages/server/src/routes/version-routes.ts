import { z } from 'zod';
import { noteAudit } from './declaration/audit-record.js';
import {
  bulkMigrationAnswerSchema,
  dagDescriptionSchema,
  flowVersionListSchema,
  migrationAnswerSchema,
} from '../contract/index.js';
import { flowParams, requestParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './declaration/route.js';

/** A flow version: the first 12 hex digits of the SHA-256 of its description. */
const flowVersion = z
  .string({ error: 'must be a flow version: 12 lowercase hex digits' })
  .regex(/^[0-9a-f]{12}$/, { error: 'must be a flow version: 12 lowercase hex digits' });

const versions = defineRoute({
  method: 'get',
  path: '/flows/:name/versions',
  id: 'listFlowVersions',
  access: 'viewer',
  summary:
    "A flow's published versions, newest first: the current one, each version's live requests, the " +
    'live workers that can run each of its nodes, and whether it is drained (safe to switch off).',
  params: flowParams,
  answers: {
    200: { description: 'The versions.', content: { 'application/json': flowVersionListSchema } },
  },
  calls: ['versions'],
  async handle({ service, params, res }) {
    sendJson(res, 200, flowVersionListSchema, { versions: await service.versions(params.name) });
  },
});

const version = defineRoute({
  method: 'get',
  path: '/flows/:name/versions/:version',
  id: 'describeFlowVersion',
  access: 'viewer',
  summary:
    'The DAG description of one published version of a flow: the shape a request started on it ' +
    'keeps to its end (its `version`), which may differ from the current one `GET /flows/:name` answers.',
  params: flowParams.extend({
    version: flowVersion.meta({ description: 'The version (12 lowercase hex digits).' }),
  }),
  answers: {
    200: {
      description: "The version's DAG description.",
      content: { 'application/json': dagDescriptionSchema },
    },
  },
  calls: ['describe'],
  async handle({ service, params, res }) {
    sendJson(res, 200, dagDescriptionSchema, await service.describe(params.name, params.version));
  },
});

// Declared before the single migration: `/requests/migrate` is never read as a request id.
const migrateAll = defineRoute({
  method: 'post',
  path: '/flow/:name/requests/migrate',
  id: 'migrateRequests',
  access: 'operator',
  audit: 'migrate',
  summary:
    "Migrate every request of the flow on version `from` (of the flow's newest 5,000) that may be " +
    "migrated to the flow's current version, one after the other. Audited.",
  params: flowParams,
  query: z.object({
    from: flowVersion.meta({ description: 'The old version (12 lowercase hex digits).' }),
  }),
  answers: {
    200: {
      description: 'What was migrated, and which requests could not be, with their error.',
      content: { 'application/json': bulkMigrationAnswerSchema },
    },
  },
  calls: ['migrateAll'],
  async handle({ service, params, query, res }) {
    const answer = await service.migrateAll(params.name, { from: query.from });
    const { from, to, matched, migrated, failed } = answer;
    noteAudit(res, { details: { from, to, matched, migrated, failed: failed.length } });
    sendJson(res, 200, bulkMigrationAnswerSchema, answer);
  },
});

const migrate = defineRoute({
  method: 'post',
  path: '/flow/:name/requests/:id/migrate',
  id: 'migrateRequest',
  access: 'operator',
  audit: 'migrate',
  summary:
    "Migrate a request to the flow's current version: nodes completed under the same id keep their " +
    'outputs, nodes the new shape lacks are dropped, new nodes run once their parents are done. ' +
    'A migration that cannot apply changes nothing (409 MIGRATION_REFUSED). Audited.',
  params: requestParams,
  answers: {
    200: {
      description: 'What the migration changed.',
      content: { 'application/json': migrationAnswerSchema },
    },
  },
  calls: ['migrate'],
  async handle({ service, params, res }) {
    const answer = await service.migrate(params.name, params.id);
    const { from, to } = answer;
    noteAudit(res, { details: { from, to } });
    sendJson(res, 200, migrationAnswerSchema, answer);
  },
});

/**
 * The routes of deploys: a flow's versions and the shape of each (viewer), and migrating requests to the flow's current
 * version (operator), one or every request of an old version; each migration is audited.
 */
export const versionRoutes: readonly Route[] = [versions, version, migrateAll, migrate];
