import type { ServiceSettings } from '../config/service-settings.js';
import type { HttpFrontend } from './http-frontend.js';

/** Options of {@link FlowService}; each falls back to an environment variable, then to a default. */
export interface FlowServiceOptions extends ServiceSettings {
  /** The HTTP API to serve: `httpApi()` from `@dagflow/server`. Needed by `start()` and `startServer()`. */
  readonly http?: HttpFrontend;
}
