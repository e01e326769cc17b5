import type express from 'express';

/** What this module reads of an express router layer (express exposes the stack, untyped). */
interface RouteLayer {
  readonly route?: { readonly methods: Readonly<Record<string, boolean | undefined>> };
  match(path: string): unknown;
}

/**
 * The methods the app's routes answer on `path` (upper case, `HEAD` with `GET`), for `405` answers and
 * their `Allow` header; empty when no route has that path. Middleware mounted with `app.use` is no
 * route and does not count.
 */
export function allowedMethods(app: express.Application, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of app.router.stack as unknown as readonly RouteLayer[]) {
    if (layer.route === undefined || layer.match(path) === false) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on === true && method !== '_all') methods.add(method.toUpperCase());
    }
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/**
 * Whether a route of the app answers `method` on `path` (`HEAD` with `GET`): when not, the request
 * ends in a 404 `ROUTE_NOT_FOUND` or 405 `METHOD_NOT_ALLOWED` whoever asks, so no role decides it.
 */
export function isRouted(app: express.Application, method: string, path: string): boolean {
  return allowedMethods(app, path).includes(method);
}
