import type { ConfigSource } from '../config/load-config.js';
import type { ServiceSettings } from '../config/service-settings.js';
import type { HttpFrontend } from './http-frontend.js';

/**
 * Options of {@link FlowService}; each wins over its environment variable, which wins over its
 * default. The client options are read at construction, the worker options by `startWorker()`, the
 * server options by `startServer()`.
 */
export interface FlowServiceOptions extends ServiceSettings, ConfigSource {
  /** The HTTP API to serve: `httpApi()` from `@dagflow/server`. Needed by `start()` and `startServer()`. */
  readonly http?: HttpFrontend;
}
