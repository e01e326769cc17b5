import type { FlowApi, RequestStatus } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import express, { type Response } from 'express';
import { authenticate, callerOf } from './auth.js';
import { forwardedHeaders, forwardedQuery, inputFromBody } from './body.js';
import { cors } from './cors.js';
import { csrfGuard } from './csrf-guard.js';
import { errorAnswer, unroutedAnswer } from './error-answers.js';
import { registryRoutes } from './registry-routes.js';
import { scheduleRoutes } from './schedule-routes.js';
import { param } from './request-params.js';
import { type ApiToken, TokenTable } from './tokens.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /**
   * Largest accepted request body in bytes.
   * @defaultValue 1 MiB
   */
  readonly maxBodyBytes?: number;
  /** Directory of the dashboard's build, served under `/dashboard/` when given. */
  readonly dashboardDir?: string;
  /**
   * Bearer tokens and their roles (see `docs/security.md`). None: no authentication, every caller is
   * admin; `httpApi()` allows that on loopback addresses only.
   * @defaultValue none
   */
  readonly tokens?: readonly ApiToken[];
  /**
   * Origins whose pages may call the API from a browser (CORS).
   * @defaultValue none: CORS is off
   */
  readonly corsOrigins?: readonly string[];
}

const STATUSES: readonly RequestStatus[] = [
  'pending',
  'running',
  'completed',
  'failed',
  'stopped',
  'paused',
];
const CONTROL = ['pause', 'resume', 'stop', 'rerun'] as const;

/**
 * The dagflow HTTP API over a service ({@link FlowApi}, e.g. a `FlowService`): execute, inspect and control requests, list and describe
 * flows, health. Errors answer `{"error": {"code", "message", "details"?}}` with the status of their code.
 */
export function createApp(service: FlowApi, options: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const corsOrigins = options.corsOrigins ?? [];
  if (corsOrigins.length > 0) app.use(cors(corsOrigins));
  app.use(authenticate(new TokenTable(options.tokens ?? [])));
  app.use(csrfGuard(corsOrigins));
  const raw = express.raw({ type: () => true, limit: options.maxBodyBytes ?? 1024 * 1024 });

  app.post('/flow/:name', raw, async (req, res) => {
    const name = param(req, 'name');
    const supplied = req.header('x-request-id');
    const wait = waitSeconds(req.query['wait']);
    const requestId = await service.execute(name, inputFromBody(req), {
      ...(supplied === undefined ? {} : { requestId: supplied }),
      query: forwardedQuery(req),
      headers: forwardedHeaders(req),
    });
    res.setHeader('X-Request-Id', requestId);
    if (wait === undefined) {
      res.status(202).json({ requestId });
      return;
    }
    try {
      sendResult(res, await service.waitForResult(name, requestId, { timeoutMs: wait * 1000 }));
    } catch (error) {
      if (!(error instanceof DagflowError && error.code === ErrorCode.WAIT_TIMEOUT)) throw error;
      res.status(202).json({ requestId, status: 'running' });
    }
  });

  app.get('/flows', async (_req, res) => {
    res.json({ flows: await service.flows() });
  });

  registryRoutes(app, service, raw);
  scheduleRoutes(app, service);

  app.get('/auth/whoami', (_req, res) => {
    const { role, name } = callerOf(res);
    res.json({ role, token: name });
  });

  app.get('/flows/:name', async (req, res) => {
    const name = param(req, 'name');
    const dag = await service.describe(name);
    const info = (await service.flows()).find((flow) => flow.name === name);
    const schedules = await service.listSchedules(name);
    const concurrency = info?.concurrency === undefined ? {} : { concurrency: info.concurrency };
    res.json({
      name,
      version: info?.version ?? '',
      workers: info?.workers ?? {},
      ...concurrency,
      schedules,
      dag,
    });
  });

  app.get('/flow/:name/requests', async (req, res) => {
    const status = req.query['status'];
    if (status !== undefined && !STATUSES.includes(status as RequestStatus)) {
      throw new DagflowError(
        ErrorCode.INVALID_INPUT,
        `Unknown status filter ${JSON.stringify(status)}; use one of ${STATUSES.join(', ')}.`,
      );
    }
    const limit = req.query['limit'] === undefined ? undefined : Number(req.query['limit']);
    const cursor = typeof req.query['cursor'] === 'string' ? req.query['cursor'] : undefined;
    res.json(
      await service.listRequests(param(req, 'name'), {
        ...(status === undefined ? {} : { status: status as RequestStatus }),
        ...(limit === undefined || Number.isNaN(limit) ? {} : { limit }),
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
  });

  app.get('/flow/:name/requests/:id', async (req, res) => {
    res.json(await service.state(param(req, 'name'), param(req, 'id')));
  });

  app.get('/flow/:name/requests/:id/nodes/:path', async (req, res) => {
    res.json(await service.nodeDetail(param(req, 'name'), param(req, 'id'), param(req, 'path')));
  });

  app.get('/flow/:name/requests/:id/result', async (req, res) => {
    sendResult(res, await service.result(param(req, 'name'), param(req, 'id')));
  });

  for (const command of CONTROL) {
    app.post(`/flow/:name/requests/:id/${command}`, raw, async (req, res) => {
      const name = param(req, 'name');
      const id = param(req, 'id');
      // A rerun may carry a new input for the failed nodes as its body.
      const hasBody = Buffer.isBuffer(req.body) && req.body.length > 0;
      if (command === 'rerun' && hasBody)
        await service.rerun(name, id, { input: inputFromBody(req) });
      else await service[command](name, id);
      const { status } = await service.state(name, id);
      res.json({ requestId: id, status });
    });
  }

  app.get('/metrics', async (_req, res) => {
    res.type('text/plain; version=0.0.4').send(await service.metrics());
  });

  app.get('/healthz', async (_req, res) => {
    const healthy = await service.ping().then(
      () => true,
      () => false,
    );
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'redis unreachable' });
  });

  if (options.dashboardDir !== undefined) serveDashboard(app, options.dashboardDir);

  app.use(unroutedAnswer(app));
  app.use(errorAnswer(service.log));
  return app;
}

/** The dashboard's static build under `/dashboard/`; `/` leads there. */
function serveDashboard(app: express.Express, dir: string): void {
  app.get('/', (_req, res) => res.redirect('/dashboard/'));
  app.use('/dashboard', express.static(dir, { index: 'index.html', redirect: true }));
}

/** `?wait=<seconds>`: 0 < seconds <= 300. */
function waitSeconds(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (typeof value !== 'string' || !(seconds > 0 && seconds <= 300)) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      `?wait must be a number of seconds in (0, 300] (got ${JSON.stringify(value)}).`,
    );
  }
  return seconds;
}

/** JSON values as JSON; binary results as raw bytes. */
function sendResult(res: Response, result: unknown): void {
  if (Buffer.isBuffer(result)) {
    res.status(200).type('application/octet-stream').send(result);
    return;
  }
  res
    .status(200)
    .type('application/json')
    .send(JSON.stringify(result ?? null));
}
