import { scheduleRoutes } from './schedule-routes.js';
import { liveRoutes } from './live-routes.js';
import { streamRoutes } from './stream-routes.js';
import { registryRoutes } from './registry-routes.js';
import { requestRoutes } from './request-routes.js';
import { commandRoutes } from './command-routes.js';
import { bulkRoutes } from './bulk-routes.js';
import { type Route, tagged } from './declaration/route.js';
import { serviceRoutes } from './service-routes.js';
import { versionRoutes } from './version-routes.js';

/**
 * Every route of the HTTP API: the one table from which `createApp` makes the express routes and
 * `GET /openapi.json` its document, and `ROUTE_ACCESS` the roles. A new route is one `defineRoute`
 * added here (or to one of these lists), with its answer schemas in `contract.ts`.
 */
export const API_ROUTES: readonly Route[] = [
  ...tagged('Control', bulkRoutes),
  ...tagged('Requests', requestRoutes),
  ...tagged('Control', commandRoutes),
  ...tagged('Versions', versionRoutes),
  ...tagged('Live', liveRoutes),
  ...tagged('Live', streamRoutes),
  ...tagged('Service', serviceRoutes),
  ...tagged('Schedules', scheduleRoutes),
  ...tagged('Registry', registryRoutes),
];
