import type { Role } from './roles.js';

/** Who may use a route: anyone (`open`), or a token whose role has at least these rights. */
export type Access = 'open' | Role;

/**
 * The least role each route needs. In paths, `:x` matches one segment and a final `*` any rest
 * (including none); `HEAD` counts as `GET`. A route not listed here needs `admin`.
 */
export const ROUTE_ACCESS: readonly (readonly [method: string, path: string, access: Access])[] = [
  ['GET', '/healthz', 'open'],
  // The dashboard's page and files; the page asks for a token itself.
  ['GET', '/', 'open'],
  ['GET', '/dashboard/*', 'open'],

  ['GET', '/auth/whoami', 'viewer'],
  ['GET', '/flows', 'viewer'],
  ['GET', '/flows/:name', 'viewer'],
  ['GET', '/flows/:name/schedules', 'viewer'],
  ['GET', '/flow/:name/requests', 'viewer'],
  ['GET', '/flow/:name/requests/:id', 'viewer'],
  ['GET', '/flow/:name/requests/:id/nodes/:path', 'viewer'],
  ['GET', '/flow/:name/requests/:id/result', 'viewer'],
  ['GET', '/metrics', 'viewer'],

  ['POST', '/flow/:name', 'operator'],
  ['POST', '/flow/:name/requests/:id/pause', 'operator'],
  ['POST', '/flow/:name/requests/:id/resume', 'operator'],
  ['POST', '/flow/:name/requests/:id/stop', 'operator'],
  ['POST', '/flow/:name/requests/:id/rerun', 'operator'],
  ['POST', '/flow/:name/requests/:id/signals/:signal', 'operator'],
  ['PUT', '/flows/:name/schedules/:id', 'operator'],
  ['DELETE', '/flows/:name/schedules/:id', 'operator'],

  ['POST', '/flows', 'admin'],
  ['*', '/admin/*', 'admin'],
];

/** What a request needs: the first matching row of {@link ROUTE_ACCESS}, else `admin`. */
export function accessOf(method: string, path: string): Access {
  const verb = method === 'HEAD' ? 'GET' : method;
  for (const [routeMethod, pattern, access] of ROUTE_ACCESS) {
    if ((routeMethod === '*' || routeMethod === verb) && pathMatches(pattern, path)) return access;
  }
  return 'admin';
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
