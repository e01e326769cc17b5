import { API_ROUTES } from './api-routes.js';
import type { Access } from './roles.js';

/**
 * The least role each route needs. In paths, `:x` matches one segment and a final `*` any rest
 * (including none); `HEAD` counts as `GET`. A route not listed here needs `admin`.
 */
export const ROUTE_ACCESS: readonly (readonly [method: string, path: string, access: Access])[] = [
  // The dashboard's page and files; the page asks for a token itself.
  ['GET', '/', 'open'],
  ['GET', '/dashboard/*', 'open'],
  // Each route of the API table says what it needs.
  ...API_ROUTES.map((route) => [route.method.toUpperCase(), route.path, route.access] as const),
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
