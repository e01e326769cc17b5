import { registryRoutes } from './registry-routes.js';
import { requestRoutes } from './request-routes.js';
import type { Route } from './route.js';
import { serviceRoutes } from './service-routes.js';

/**
 * Every route of the HTTP API: the one table from which `createApp` makes the express routes and
 * `GET /openapi.json` its document. A new route is one `defineRoute` added here (or to one of these
 * lists), with its schemas in `contract.ts`; its role, if less than admin, is a row of `ROUTE_ACCESS`.
 */
export const API_ROUTES: readonly Route[] = [...requestRoutes, ...serviceRoutes, ...registryRoutes];
