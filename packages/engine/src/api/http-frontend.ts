import type { LoadedConfig } from '../config/load-config.js';
import type { FlowApi } from './flow-api.js';

/** An HTTP front end the service can start; `@dagflow/server` provides one (`httpApi()`). */
export interface HttpFrontend {
  /**
   * Starts listening; the handle closes the server. `config` is the service's configuration: the
   * front end resolves its own part from it (`config.part(...)`), with the same precedence.
   */
  listen(
    service: FlowApi,
    options: { port: number; host: string | undefined; config: LoadedConfig },
  ): Promise<HttpHandle>;
}

/** A listening HTTP server. */
export interface HttpHandle {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}
