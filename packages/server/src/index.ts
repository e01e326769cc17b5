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
export { createApp } from './app.js';
export type { AppOptions } from './app.js';
export { httpApi } from './http-api.js';
export type { HttpApiOptions } from './http-api.js';
export { ROUTE_ACCESS } from './access.js';
export type { Access } from './roles.js';
export type { Role } from './roles.js';
export type { ApiToken } from './tokens.js';
export type { AuthMode } from './protected-mode.js';
export { statusFor } from './http-status.js';
export { API_ROUTES } from './api-routes.js';
export type { Answer, BodySpec, Call, Method, Route, RouteSpec } from './route.js';
export { openApiDocument } from './openapi.js';
export type { OpenApiDocument } from './openapi.js';
export { startTelemetry } from './telemetry.js';
export type { Telemetry } from './telemetry.js';
