import type { FlowApi, ScheduleOptions } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import express from 'express';
import { jsonDepthGuard } from './body.js';
import { param } from './request-params.js';

/**
 * The schedule routes: list a flow's schedules (viewer), create or replace one (`PUT`, operator, body
 * `{ cron | everyMs, tz?, input? }`), remove one (`DELETE`, operator). Roles are in `access.ts`.
 */
export function scheduleRoutes(app: express.Express, service: FlowApi): void {
  const json = express.json({ limit: '1mb', verify: jsonDepthGuard });

  app.get('/flows/:name/schedules', async (req, res) => {
    res.json({ schedules: await service.listSchedules(param(req, 'name')) });
  });

  app.put('/flows/:name/schedules/:id', json, async (req, res) => {
    const options = scheduleFromBody(param(req, 'id'), req.body);
    res.json(await service.schedule(param(req, 'name'), options));
  });

  app.delete('/flows/:name/schedules/:id', async (req, res) => {
    const id = param(req, 'id');
    await service.unschedule(param(req, 'name'), id);
    res.json({ id, removed: true });
  });
}

/** The schedule options of a `PUT` body; the engine validates their values. */
function scheduleFromBody(id: string, body: unknown): ScheduleOptions {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DagflowError(
      ErrorCode.INVALID_SCHEDULE,
      'A schedule body is a JSON object: { "cron" | "everyMs", "tz"?, "input"? }.',
    );
  }
  const { cron, everyMs, tz, input } = body as Record<string, unknown>;
  const wrong = (field: string, type: string): DagflowError =>
    new DagflowError(ErrorCode.INVALID_SCHEDULE, `Schedule field '${field}' must be a ${type}.`);
  if (cron !== undefined && typeof cron !== 'string') throw wrong('cron', 'string');
  if (everyMs !== undefined && typeof everyMs !== 'number') throw wrong('everyMs', 'number');
  if (tz !== undefined && typeof tz !== 'string') throw wrong('tz', 'string');
  return {
    id,
    ...(cron === undefined ? {} : { cron }),
    ...(everyMs === undefined ? {} : { everyMs }),
    ...(tz === undefined ? {} : { tz }),
    input: input ?? null,
  };
}
