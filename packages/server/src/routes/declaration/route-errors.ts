import type { ErrorCode } from '@dagflow/flow';
import type { Route } from './route.js';
import { SERVICE_ERRORS } from './service-errors.js';

/** What any request may answer: a malformed path, the unexpected. */
const EVERY_ROUTE: readonly ErrorCode[] = ['INVALID_PATH', 'INTERNAL_ERROR'];
/** The auth check's answers, on every route once tokens are set (the throttle checks open ones too). */
const AUTH: readonly ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];
/** The CSRF guard's answers on a route that changes something (`csrf-guard.ts`). */
const CSRF: readonly ErrorCode[] = ['FORBIDDEN', 'UNSUPPORTED_MEDIA_TYPE'];
/** Errors of reading a body: its size, its encoding, its JSON. */
const BODY: readonly ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'INVALID_ENCODING', 'INVALID_JSON'];

/**
 * Every error code a route may answer, from where each is raised: the middleware before it (auth,
 * CSRF guard, body reader, the validation of its parameters, query, headers and JSON body), the
 * service methods its handler `calls` ({@link SERVICE_ERRORS}), and its handler's own `errors`, less
 * those it `catches`. `GET /openapi.json` lists them per status.
 */
export function routeErrors(route: Route): ErrorCode[] {
  const { access, body, method } = route;
  const validates =
    [route.params, route.query, route.headers].some((s) => s !== undefined) ||
    body?.read === 'json';
  const anyBody = body?.read === 'raw' && body.anyType === true;
  const codes = new Set<ErrorCode>([
    'TOO_MANY_AUTH_FAILURES',
    ...(access === 'open' ? [] : AUTH),
    ...(method === 'get' ? [] : CSRF.filter((code) => !(anyBody && code !== 'FORBIDDEN'))),
    ...(body === undefined ? [] : BODY),
    ...(validates ? (['INVALID_INPUT'] as const) : []),
    ...route.calls.flatMap((call) => SERVICE_ERRORS[call]),
    ...(route.calls.length === 0 ? [] : (['SERVICE_CLOSED'] as const)),
    ...(route.errors ?? []),
    ...EVERY_ROUTE,
  ]);
  for (const code of route.catches ?? []) codes.delete(code);
  return [...codes];
}
