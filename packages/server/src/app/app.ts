import { type FlowApi, loadConfig } from '@dagflow/engine';
import express from 'express';
import { API_ROUTES } from '../routes/api-routes.js';
import { authenticate } from './auth.js';
import { type AuthFailureLimit, AuthThrottle } from '../auth/auth-throttle.js';
import { jsonDepthGuard } from '../http/body.js';
import { cors } from '../http/cors.js';
import { csrfGuard } from './csrf-guard.js';
import { logDenials } from '../auth/denial-log.js';
import { errorAnswer, unroutedAnswer } from '../http/error-answers.js';
import { mountRoutes } from '../routes/declaration/mount-routes.js';
import { apiHeaders, dashboardHeaders } from '../http/security-headers.js';
import { type ApiToken, TokenTable } from '../auth/tokens.js';
import { type StreamLimits, StreamQuota } from '../http/stream-quota.js';
import { streamLimitsPart } from '../http/http-config.js';

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
  /**
   * How many unknown tokens one address may send before it is refused for a while (429).
   * @defaultValue 20 in 10 s, 10,000 addresses remembered
   */
  readonly authFailures?: AuthFailureLimit;
  /**
   * Whether executes (`POST /flow/:name`) are audited too, like every other state change.
   * @defaultValue `false`: they are many, and a request records its own creation
   */
  readonly auditExecutes?: boolean;
  /**
   * Live streams (`.../events`) this server holds open, in all and per caller; more answer
   * `429 TOO_MANY_STREAMS`.
   * @defaultValue `DAGFLOW_MAX_STREAMS` (1,000) and `DAGFLOW_MAX_STREAMS_PER_TOKEN` (32)
   */
  readonly streamLimits?: StreamLimits;
}

/**
 * The dagflow HTTP API over a service ({@link FlowApi}, e.g. a `FlowService`): execute, inspect and control requests, list and describe
 * flows, health. Errors answer `{"error": {"code", "message", "details"?}}` with the status of their code.
 */
export function createApp(service: FlowApi, options: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.locals['streams'] = new StreamQuota(
    options.streamLimits ?? loadConfig().part(streamLimitsPart, {}),
  );
  app.use(apiHeaders);
  const corsOrigins = options.corsOrigins ?? [];
  if (corsOrigins.length > 0) app.use(cors(corsOrigins));
  const tokens = new TokenTable(options.tokens ?? []);
  app.use(authenticate(tokens, new AuthThrottle(options.authFailures)));
  app.use(csrfGuard(corsOrigins));
  const raw = express.raw({ type: () => true, limit: options.maxBodyBytes ?? 1024 * 1024 });

  const json = express.json({ limit: '1mb', verify: jsonDepthGuard });
  mountRoutes(app, API_ROUTES, {
    service,
    readers: { raw, json },
    auditExecutes: options.auditExecutes ?? false,
  });

  if (options.dashboardDir !== undefined) serveDashboard(app, options.dashboardDir);

  app.use(unroutedAnswer(app));
  app.use(logDenials(service.log));
  app.use(errorAnswer(service.log));
  return app;
}

/**
 * The dashboard's static build under `/dashboard/`; `/` leads there, and `/favicon.ico` (asked for by
 * browsers and tools on any page of the server) to its icon.
 */
function serveDashboard(app: express.Express, dir: string): void {
  app.get('/', (_req, res) => res.redirect('/dashboard/'));
  app.get('/favicon.ico', (_req, res) => res.redirect(301, '/dashboard/favicon.svg'));
  app.use(
    '/dashboard',
    dashboardHeaders,
    express.static(dir, { index: 'index.html', redirect: true }),
  );
}
