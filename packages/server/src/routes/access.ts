import { API_ROUTES } from './api-routes.js';
import type { Access } from '../auth/roles.js';
import type { Route } from './declaration/route.js';

/**
 * The least role each route needs. In paths, `:x` matches one segment and a final `*` any rest
 * (including none); `HEAD` counts as `GET`. A route not listed here needs `admin`.
 */
export const ROUTE_ACCESS: readonly (readonly [method: string, path: string, access: Access])[] = [
  // The dashboard's page and files; the page asks for a token itself.
  ['GET', '/', 'open'],
  ['GET', '/dashboard/*', 'open'],
  ['GET', '/favicon.ico', 'open'],
  // Each route of the API table says what it needs.
  ...API_ROUTES.map((route) => [route.method.toUpperCase(), route.path, route.access] as const),
  ['*', '/admin/*', 'admin'],
];

/** What a request needs: the first matching row of {@link ROUTE_ACCESS}, else `admin`. */
export function accessOf(method: string, path: string): Access {
  return routeOf(method, path)?.[2] ?? 'admin';
}

/**
 * Routes without a flow in their path that a scoped token may use anyway: `GET /flows` lists only the
 * token's flows, `POST /flows` checks the name in its body, `/auth/whoami` shows the token itself.
 */
const SCOPE_FREE: ReadonlySet<string> = new Set(['GET /flows', 'POST /flows', 'GET /auth/whoami']);

/** Which flows a request touches, for tokens scoped to some flows. */
export type FlowScope =
  | { readonly kind: 'flow'; readonly flow: string }
  | { readonly kind: 'every-flow' }
  | { readonly kind: 'none' };

/**
 * The flow a request names (its route's `:name`, decoded); `none` for the routes of
 * {@link SCOPE_FREE} and open ones; else `every-flow`: a route that may show any flow (`/metrics`,
 * `/workers`, `/admin/audit`, routes not in the table), which needs a token without a scope.
 * @throws URIError for a malformed percent-encoding (answered 400 `INVALID_PATH`)
 */
export function flowOf(method: string, path: string): FlowScope {
  const route = routeOf(method, path);
  if (route === undefined) return { kind: 'every-flow' };
  const [routeMethod, pattern, access] = route;
  if (access === 'open' || SCOPE_FREE.has(`${routeMethod} ${pattern}`)) return { kind: 'none' };
  const at = pattern.split('/').indexOf(':name');
  const segment = at < 0 ? undefined : path.split('/')[at];
  return segment === undefined
    ? { kind: 'every-flow' }
    : { kind: 'flow', flow: decodeURIComponent(segment) };
}

/** The route of the API table a request matches (`HEAD` as `GET`), if any. */
export function apiRouteOf(method: string, path: string): Route | undefined {
  const verb = (method === 'HEAD' ? 'GET' : method).toLowerCase();
  return API_ROUTES.find((route) => route.method === verb && pathMatches(route.path, path));
}

/** The first row of {@link ROUTE_ACCESS} a request matches. */
function routeOf(method: string, path: string) {
  const verb = method === 'HEAD' ? 'GET' : method;
  return ROUTE_ACCESS.find(
    ([routeMethod, pattern]) =>
      (routeMethod === '*' || routeMethod === verb) && pathMatches(pattern, path),
  );
}

/**
 * Whether a raw (still percent-encoded) request path matches a pattern of {@link ROUTE_ACCESS}, the way
 * express routes it: literal segments case-insensitively, one trailing slash allowed.
 */
export function pathMatches(pattern: string, path: string): boolean {
  const want = pattern.split('/').slice(1);
  const got = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path)
    .split('/')
    .slice(1);
  for (const [i, part] of want.entries()) {
    if (part === '*' && i === want.length - 1) return true;
    const segment = got[i];
    if (segment === undefined) return false;
    if (part.startsWith(':') ? segment === '' : part.toLowerCase() !== segment.toLowerCase())
      return false;
  }
  return got.length === want.length;
}
