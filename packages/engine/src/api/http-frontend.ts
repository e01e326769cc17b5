import type { FlowApi } from './flow-api.js';

/** An HTTP front end the service can start; `@dagflow/server` provides one (`httpApi()`). */
export interface HttpFrontend {
  /** Starts listening; the handle closes the server. */
  listen(
    service: FlowApi,
    options: { port: number; host: string | undefined },
  ): Promise<HttpHandle>;
}

/** A listening HTTP server. */
export interface HttpHandle {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}
