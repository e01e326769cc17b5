import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Request, RequestHandler } from 'express';
import { accessOf } from './access.js';
import { ANONYMOUS_ADMIN } from './caller.js';
import { hasRole } from './roles.js';
import type { TokenTable } from './tokens.js';

/**
 * Checks each request against {@link accessOf}: without tokens everyone is admin; else a missing or
 * unknown bearer token answers 401 `UNAUTHENTICATED` (with `WWW-Authenticate: Bearer`), a role without
 * the right 403 `FORBIDDEN`. The caller is kept for `callerOf`.
 */
export function authenticate(tokens: TokenTable): RequestHandler {
  return (req, res, next) => {
    if (tokens.size === 0) {
      res.locals['caller'] = ANONYMOUS_ADMIN;
      next();
      return;
    }
    const access = accessOf(req.method, req.path);
    const presented = bearerToken(req);
    const caller = presented === undefined ? undefined : tokens.lookup(presented);
    if (caller !== undefined) res.locals['caller'] = caller;
    if (access === 'open') {
      next();
      return;
    }
    if (caller === undefined) {
      res.setHeader(
        'WWW-Authenticate',
        presented === undefined
          ? 'Bearer realm="dagflow"'
          : 'Bearer realm="dagflow", error="invalid_token"',
      );
      throw new DagflowError(
        ErrorCode.UNAUTHENTICATED,
        presented === undefined
          ? `${req.method} ${req.path} needs a token: send 'Authorization: Bearer <token>'.`
          : 'The bearer token is not known to this server.',
      );
    }
    if (!hasRole(caller.role, access)) {
      throw new DagflowError(
        ErrorCode.FORBIDDEN,
        `Role ${caller.role} may not ${req.method} ${req.path}; it needs ${access}.`,
        { details: { role: caller.role, needs: access } },
      );
    }
    next();
  };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
function bearerToken(req: Request): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(req.header('authorization') ?? '');
  return match?.[1];
}
