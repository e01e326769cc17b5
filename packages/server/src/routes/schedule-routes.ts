import { SCHEDULE_ID } from '@dagflow/engine';
import { z } from 'zod';
import {
  scheduleBodySchema,
  scheduleListSchema,
  scheduleRemovedSchema,
  scheduleSchema,
} from '../contract/index.js';
import { noteAudit } from './declaration/audit-record.js';
import { flowParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './declaration/route.js';

const scheduleParams = flowParams.extend({
  // The engine checks the id (400 INVALID_SCHEDULE); the pattern documents its rule.
  id: z.string().meta({
    description: 'The schedule id (1-64 of [A-Za-z0-9_.-]).',
    pattern: SCHEDULE_ID.source,
    minLength: 1,
    maxLength: 64,
    examples: ['nightly'],
  }),
});

const list = defineRoute({
  method: 'get',
  path: '/flows/:name/schedules',
  id: 'listSchedules',
  access: 'viewer',
  summary: "A flow's schedules with their next run.",
  params: flowParams,
  answers: {
    200: { description: 'The schedules.', content: { 'application/json': scheduleListSchema } },
  },
  calls: ['listSchedules'],
  async handle({ service, params, res }) {
    sendJson(res, 200, scheduleListSchema, {
      schedules: await service.listSchedules(params.name),
    });
  },
});

const upsert = defineRoute({
  method: 'put',
  path: '/flows/:name/schedules/:id',
  id: 'putSchedule',
  access: 'operator',
  audit: 'schedule-put',
  summary:
    'Create or replace a schedule: one request per tick (cron with an optional time zone, or every ' +
    'everyMs), however many servers and workers run; each an ordinary request.',
  params: scheduleParams,
  body: { read: 'json', description: 'The schedule.', schema: scheduleBodySchema },
  answers: {
    200: { description: 'The schedule.', content: { 'application/json': scheduleSchema } },
  },
  calls: ['schedule'],
  async handle({ service, params, body, res }) {
    const { cron, everyMs, tz, input } = body;
    noteAudit(res, { details: { ...(cron === undefined ? { everyMs } : { cron }) } });
    const schedule = await service.schedule(params.name, {
      id: params.id,
      ...(cron === undefined ? {} : { cron }),
      ...(everyMs === undefined ? {} : { everyMs }),
      ...(tz === undefined ? {} : { tz }),
      input: input ?? null,
    });
    sendJson(res, 200, scheduleSchema, schedule);
  },
});

const remove = defineRoute({
  method: 'delete',
  path: '/flows/:name/schedules/:id',
  id: 'deleteSchedule',
  access: 'operator',
  audit: 'schedule-delete',
  summary: 'Remove a schedule; requests it started are not touched.',
  params: scheduleParams,
  answers: {
    200: { description: 'Removed.', content: { 'application/json': scheduleRemovedSchema } },
  },
  calls: ['unschedule'],
  async handle({ service, params, res }) {
    await service.unschedule(params.name, params.id);
    sendJson(res, 200, scheduleRemovedSchema, { id: params.id, removed: true });
  },
});

/** The schedule routes: list (viewer), create or replace and remove (operator). */
export const scheduleRoutes: readonly Route[] = [list, upsert, remove];
