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
export function allowedMethods(app: express.Express, path: string): string[] {
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
