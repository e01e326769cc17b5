import {
  AUDIT_LOG_LENGTH,
  type FlowApi,
  type RequestStatus,
  parseDefinition,
} from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import express, { type NextFunction, type Request, type Response } from 'express';
import { allowedMethods } from './allowed-methods.js';
import { authenticate, callerOf } from './auth.js';
import { forwardedHeaders, forwardedQuery, inputFromBody, jsonDepthGuard } from './body.js';
import { cors } from './cors.js';
import { csrfGuard } from './csrf-guard.js';
import { statusFor } from './http-status.js';
import { assertMayChange, audit } from './registry-changes.js';
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

  app.post('/flows', raw, async (req, res) => {
    // A declarative flow definition: YAML when the content type says so, else JSON.
    const type = req.headers['content-type'] ?? '';
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const definition = parseDefinition(body, /ya?ml/.test(type) ? 'yaml' : 'json');
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
    const change = { action: 'register', flow: name };
    const forced = await assertMayChange(service, req, change);
    const info = service.registerDefinition(definition);
    await audit(service, res, { ...change, details: { version: info.version }, forced });
    res.status(201).json(info);
  });

  // Run-time changes of a flow registered in this process, with registered operations (admin).
  app.post(
    '/admin/flows/:name/steps',
    express.json({ limit: '1mb', verify: jsonDepthGuard }),
    async (req, res) => {
      const step = stepFromBody(req.body);
      const id = typeof step['id'] === 'string' ? step['id'] : '';
      const change = { action: 'add-step', flow: param(req, 'name'), details: { step: id } };
      const forced = await assertMayChange(service, req, change);
      const info = service.addStep(change.flow, { ...step, id });
      await audit(service, res, { ...change, forced });
      res.json(info);
    },
  );

  app.put(
    '/admin/flows/:name/steps/:id',
    express.json({ limit: '1mb', verify: jsonDepthGuard }),
    async (req, res) => {
      const change = {
        action: 'replace-step',
        flow: param(req, 'name'),
        details: { step: param(req, 'id') },
      };
      const forced = await assertMayChange(service, req, change);
      const info = service.replaceStep(change.flow, param(req, 'id'), stepFromBody(req.body));
      await audit(service, res, { ...change, forced });
      res.json(info);
    },
  );

  app.delete('/admin/flows/:name/steps/:id', async (req, res) => {
    const change = {
      action: 'remove-step',
      flow: param(req, 'name'),
      details: { step: param(req, 'id') },
    };
    const forced = await assertMayChange(service, req, change);
    const info = service.removeStep(change.flow, param(req, 'id'));
    await audit(service, res, { ...change, forced });
    res.json(info);
  });

  app.get('/admin/audit', async (req, res) => {
    const limit = req.query['limit'] === undefined ? 100 : Number(req.query['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LOG_LENGTH) {
      throw new DagflowError(
        ErrorCode.INVALID_INPUT,
        `?limit must be an integer in [1, ${AUDIT_LOG_LENGTH}].`,
      );
    }
    res.json({ entries: await service.auditLog.list(limit) });
  });

  app.get('/auth/whoami', (_req, res) => {
    const { role, name } = callerOf(res);
    res.json({ role, token: name });
  });

  app.get('/flows/:name', async (req, res) => {
    const name = param(req, 'name');
    const dag = await service.describe(name);
    const info = (await service.flows()).find((flow) => flow.name === name);
    res.json({ name, version: info?.version ?? '', workers: info?.workers ?? {}, dag });
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

  app.use((req, res) => {
    const allow = allowedMethods(app, req.path);
    if (allow.length === 0) {
      throw new DagflowError(ErrorCode.ROUTE_NOT_FOUND, `No route for ${req.method} ${req.path}.`);
    }
    res.setHeader('Allow', allow.join(', '));
    throw new DagflowError(
      ErrorCode.METHOD_NOT_ALLOWED,
      `${req.method} is not allowed on ${req.path}; it answers ${allow.join(', ')}.`,
      { details: { allow } },
    );
  });

  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    // A failure after the answer started (a broken stream) can only end the connection.
    if (res.headersSent) {
      next(error);
      return;
    }
    const known = toDagflowError(error);
    if (known.code === ErrorCode.INTERNAL_ERROR)
      service.log.error('http request failed', { error: String(error) });
    res.status(statusFor[known.code]).json({
      error: {
        code: known.code,
        message: known.message,
        ...(known.details === undefined ? {} : { details: known.details }),
      },
    });
  });
  return app;
}

/** `{ id?, op, with?, after?, before?, retries?, timeoutMs? }` from an admin request body. */
/** The dashboard's static build under `/dashboard/`; `/` leads there. */
function serveDashboard(app: express.Express, dir: string): void {
  app.get('/', (_req, res) => res.redirect('/dashboard/'));
  app.use('/dashboard', express.static(dir, { index: 'index.html', redirect: true }));
}

function stepFromBody(body: unknown): Record<string, unknown> & { op: string } {
  if (
    body === null ||
    typeof body !== 'object' ||
    typeof (body as { op?: unknown }).op !== 'string'
  ) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      'A step change needs a JSON body with at least "op" (a registered operation).',
    );
  }
  const { retries, timeoutMs, ...step } = body as Record<string, unknown> & { op: string };
  const options = {
    ...(retries === undefined ? {} : { retries }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  return Object.keys(options).length === 0 ? step : { ...step, options };
}

function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
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

/** Any error a route or middleware raised, as the dagflow error it answers. */
function toDagflowError(error: unknown): DagflowError {
  if (error instanceof DagflowError) return error;
  // The router fails to decode a percent-encoded path segment (`/flow/%ZZ`).
  if (error instanceof URIError) {
    return new DagflowError(ErrorCode.INVALID_PATH, `The path is malformed: ${error.message}.`);
  }
  const { type, code, status } = error as { type?: unknown; code?: unknown; status?: unknown };
  if (type === 'entity.too.large') {
    const limit = (error as { limit?: unknown }).limit;
    return new DagflowError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `The body is larger than the ${String(limit)}-byte limit.`,
      { details: { limit } },
    );
  }
  // An unknown Content-Encoding, or a body that does not inflate (zlib and brotli error codes).
  if (type === 'encoding.unsupported' || (typeof code === 'string' && /^(Z_|ERR_)/.test(code))) {
    return new DagflowError(
      ErrorCode.INVALID_ENCODING,
      `The body could not be decoded (Content-Encoding: identity, gzip, deflate or br): ${(error as Error).message}`,
    );
  }
  if (type === 'entity.parse.failed') {
    return new DagflowError(
      ErrorCode.INVALID_JSON,
      `The body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof type === 'string') {
    return new DagflowError(
      ErrorCode.INVALID_INPUT,
      `The body could not be read: ${(error as Error).message}`,
    );
  }
  // The dashboard's static files: a path it does not have, or one it refuses (dot files).
  if (status === 403 || status === 404) {
    return new DagflowError(ErrorCode.ROUTE_NOT_FOUND, 'No such file in the dashboard.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new DagflowError(ErrorCode.INVALID_INPUT, `The request is malformed: ${String(error)}`);
  }
  return new DagflowError(
    ErrorCode.INTERNAL_ERROR,
    `Internal error: ${error instanceof Error ? error.message : String(error)}`,
  );
}
