import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Request, RequestHandler } from 'express';
import { accessOf, flowOf } from '../routes/access.js';
import { isRouted } from '../http/allowed-methods.js';
import type { AuthThrottle } from '../auth/auth-throttle.js';
import { ANONYMOUS_ADMIN } from '../auth/caller.js';
import { assertInScope, assertUnscoped } from '../auth/flow-scope.js';
import { hasRole } from '../auth/roles.js';
import type { TokenTable } from '../auth/tokens.js';

/**
 * Checks each request against {@link accessOf}: without tokens everyone is admin; else an address
 * that sent too many unknown tokens answers 429 `TOO_MANY_AUTH_FAILURES` (with `Retry-After`, the
 * token unchecked), a missing or unknown bearer token 401 `UNAUTHENTICATED` (with
 * `WWW-Authenticate: Bearer`); a known caller's request no route answers goes on to its 404 or 405;
 * a role without the right or a flow outside the token's scope answers 403 `FORBIDDEN`. The caller
 * is kept for `callerOf`.
 */
export function authenticate(tokens: TokenTable, throttle: AuthThrottle): RequestHandler {
  return (req, res, next) => {
    if (tokens.size === 0) {
      res.locals['caller'] = ANONYMOUS_ADMIN;
      next();
      return;
    }
    const access = accessOf(req.method, req.path);
    const presented = bearerToken(req);
    const address = req.socket.remoteAddress ?? 'unknown';
    const waitMs = presented === undefined ? 0 : throttle.retryAfterMs(address);
    if (waitMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new DagflowError(
        ErrorCode.TOO_MANY_AUTH_FAILURES,
        `Too many unknown tokens from this address; try again in ${Math.ceil(waitMs / 1000)} s.`,
        { details: { retryAfterMs: waitMs } },
      );
    }
    const caller = presented === undefined ? undefined : tokens.lookup(presented);
    if (presented !== undefined && caller === undefined) throttle.fail(address);
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
    // Only a caller known to the server learns which routes exist: a known caller asking for a route
    // or method the app lacks gets its 404 or 405 (from `unroutedAnswer`), not a role's 403.
    if (!isRouted(req.app, req.method, req.path)) {
      next();
      return;
    }
    if (!hasRole(caller.role, access)) {
      throw new DagflowError(
        ErrorCode.FORBIDDEN,
        `Role ${caller.role} may not ${req.method} ${req.path}; it needs ${access}.`,
        { details: { role: caller.role, needs: access } },
      );
    }
    const scope = flowOf(req.method, req.path);
    if (scope.kind === 'flow') assertInScope(caller, scope.flow);
    if (scope.kind === 'every-flow') assertUnscoped(caller, `${req.method} ${req.path}`);
    next();
  };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
function bearerToken(req: Request): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(req.header('authorization') ?? '');
  return match?.[1];
}
