/**
 * `@dagflow/server` serves the dagflow HTTP API over a `FlowService`.
 *
 * @example
 * ```ts
 * import { FlowService } from '@dagflow/engine';
 * import { httpApi } from '@dagflow/server';
 * const service = new FlowService({ port: 8080, http: httpApi() });
 * service.register('myflow', (dag) => dag.node('hello', (input: string) => `you said "${input}"`));
 * await service.start(); // curl -d hallo localhost:8080/flow/myflow?wait=5
 * ```
 * @module
 */
export { createApp } from './app/app.js';
export type { AppOptions } from './app/app.js';
export { httpApi } from './app/http-api.js';
export type { HttpApiOptions } from './app/http-api.js';
export { ROUTE_ACCESS } from './routes/access.js';
export type { Access } from './auth/roles.js';
export type { Role } from './auth/roles.js';
export type { ApiToken } from './auth/tokens.js';
export type { AuthMode } from './auth/protected-mode.js';
export { statusFor } from './http/http-status.js';
export { API_ROUTES } from './routes/api-routes.js';
export type {
  Answer,
  BodySpec,
  Call,
  Method,
  Route,
  RouteSpec,
} from './routes/declaration/route.js';
export { openApiDocument } from './routes/declaration/openapi.js';
export type { OpenApiDocument } from './routes/declaration/openapi.js';
export { startTelemetry } from './http/telemetry.js';
export type { Telemetry } from './http/telemetry.js';
