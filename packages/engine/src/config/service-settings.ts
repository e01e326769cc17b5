import type { ClientSettings } from './client-settings.js';
import type { ServerSettings } from './server-settings.js';
import type { WorkerSettings } from './worker-settings.js';

/**
 * What a service process is configured with, by role: {@link ClientSettings} (read at construction),
 * {@link WorkerSettings} (read by `startWorker()`), {@link ServerSettings} (read by `startServer()`).
 * Each option wins over its environment variable, which wins over the default; `FlowServiceOptions`
 * adds the HTTP front end.
 */
export interface ServiceSettings extends ClientSettings, WorkerSettings, ServerSettings {}
