import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Request, RequestHandler } from 'express';
import { isRouted } from '../http/allowed-methods.js';
import { apiRouteOf, pathMatches } from '../routes/access.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);

/**
 * Keeps cross-site browser requests away from the routes that change something (any method but GET,
 * HEAD and OPTIONS):
 * - a request a browser marks cross-site or same-site (`Sec-Fetch-Site`) answers 403 `FORBIDDEN`
 *   unless its `Origin` is one of `corsOrigins`;
 * - a body must be JSON (`application/json`, `application/*+json`), or YAML for `POST /flows`, else
 *   415 `UNSUPPORTED_MEDIA_TYPE`: HTML forms and simple cross-site requests can only send
 *   `text/plain`, `multipart/form-data` and `application/x-www-form-urlencoded`, so a command that
 *   needs JSON cannot be forged by a form of another site, even in a browser that sends no
 *   `Sec-Fetch-Site`.
 *
 * A route open to everyone (`POST /signals/:token`, a signal URL) is no target of forgery: it acts
 * on no credential a browser attaches by itself (no cookie, no bearer token; its token is in the
 * URL), so cross-site requests reach it, as third parties' webhooks may come from browsers too.
 *
 * A route whose body is data of any type (`anyType`: execute's input, a signal's payload) takes every
 * media type: refusing forms there would refuse what the route is documented to take. Such routes
 * rest on the rest of the defence, as execute always has: the `Sec-Fetch-Site` check above, and
 * bearer tokens, which a browser never attaches to a cross-site request by itself. A request no route
 * answers goes on to its 404 or 405.
 */
export function csrfGuard(corsOrigins: readonly string[]): RequestHandler {
  const listed = new Set(corsOrigins);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const site = req.header('sec-fetch-site');
    const origin = req.header('origin');
    const route = apiRouteOf(req.method, req.path);
    if (
      route?.access !== 'open' &&
      (site === 'cross-site' || site === 'same-site') &&
      (origin === undefined || !listed.has(origin))
    ) {
      throw new DagflowError(
        ErrorCode.FORBIDDEN,
        `A ${site} browser request may not ${req.method} ${req.path}; list its origin in DAGFLOW_CORS_ORIGINS to allow it.`,
        { details: { origin: origin ?? null } },
      );
    }
    const anyBody = route?.body?.read === 'raw' && route.body.anyType === true;
    if (anyBody || acceptable(req) || !isRouted(req.app, req.method, req.path)) {
      next();
      return;
    }
    throw new DagflowError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `${req.method} ${req.path} takes a JSON body (Content-Type: application/json${
        isPostFlows(req) ? ', or YAML: application/yaml' : ''
      }), not ${JSON.stringify(req.header('content-type') ?? 'a body without Content-Type')}.`,
    );
  };
}

/** No body, or a JSON body (or YAML for `POST /flows`). */
function acceptable(req: Request): boolean {
  const type = (req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const length = req.header('content-length');
  const hasBody =
    (length !== undefined && length !== '0') || req.header('transfer-encoding') !== undefined;
  if (type === '') return !hasBody;
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return true;
  return isPostFlows(req) && YAML_TYPES.has(type);
}

function isPostFlows(req: Request): boolean {
  return req.method === 'POST' && pathMatches('/flows', req.path);
}
