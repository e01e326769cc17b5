/**
 * The metrics listener of a worker or server process (`startWorker()`, `startServer()`, `start()`).
 * Precedence: option, else environment variable, else default.
 */
export interface MetricsSettings {
  /**
   * Port of a small HTTP listener serving this process's Prometheus metrics at `/metrics`, opened by
   * `startWorker()`, `startServer()` and `start()`: a worker-only process counts the nodes it runs, so
   * each process is scraped. 0 picks a free port; unset opens none.
   * @defaultValue `METRICS_PORT`, else none
   */
  readonly metricsPort?: number;
  /**
   * Address the metrics listener binds. It asks for no token: open it beyond loopback (`0.0.0.0`) only
   * on a network your Prometheus shares and users do not.
   * @defaultValue `METRICS_HOST`, else `127.0.0.1`
   */
  readonly metricsHost?: string;
}

/**
 * Options read when a service starts its workers (`startWorker()`, `start()`), and only then: a
 * process that never runs nodes never parses them. Precedence: option, else environment variable,
 * else default.
 */
export interface WorkerSettings extends MetricsSettings {
  /**
   * Nodes one worker process runs at once, per flow.
   * @defaultValue `WORKER_CONCURRENCY`, else 10
   */
  readonly workerConcurrency?: number;
  /**
   * How long a worker's lock on a running node lasts before another worker may take the node over
   * (it is renewed every half of it while the node runs). A node whose worker died runs again after at
   * most about this plus {@link stalledIntervalMs}; a handler that blocks the event loop longer than
   * this loses its node to another worker (its late result is dropped). See docs/reliability.md.
   * @defaultValue `DAGFLOW_LOCK_DURATION_MS`, else 8 000 ms
   */
  readonly lockDurationMs?: number;
  /**
   * How often workers look for nodes whose worker died (one Lua script per worker and queue each time).
   * @defaultValue `DAGFLOW_STALLED_INTERVAL_MS`, else 4 000 ms
   */
  readonly stalledIntervalMs?: number;
  /**
   * How long a node that no live worker can run (its request started on an older flow version whose
   * code for it is gone) waits, with reason `STEP_UNAVAILABLE`, before it fails with that code.
   * @defaultValue `DAGFLOW_STEP_UNAVAILABLE_TIMEOUT_MS`, else none: it waits until a process that has
   *   the node starts, or the request is migrated
   */
  readonly stepUnavailableTimeoutMs?: number;
  /**
   * Largest encoded output (bytes) a node may store; a larger one fails the node with `PAYLOAD_TOO_LARGE`.
   * @defaultValue `MAX_OUTPUT_BYTES`, else 1 MiB
   */
  readonly maxOutputBytes?: number;
  /**
   * Largest encoded chunk (bytes) a handler may emit through `ctx.emit`; a larger one is refused with
   * `STREAM_LIMIT_EXCEEDED`.
   * @defaultValue `DAGFLOW_MAX_CHUNK_BYTES`, else 256 KiB
   */
  readonly maxChunkBytes?: number;
  /**
   * Most bytes of chunks one request's stream may hold (all nodes and attempts together); a chunk that
   * would pass it is refused with `STREAM_LIMIT_EXCEEDED`.
   * @defaultValue `DAGFLOW_MAX_STREAM_BYTES`, else 64 MiB
   */
  readonly maxStreamBytes?: number;
  /**
   * Hosts (exact names), IP addresses and CIDR ranges the built-in `http` operation may reach although
   * they are loopback, private, link-local or reserved; every other such target is refused with
   * `HTTP_TARGET_FORBIDDEN`. A listed host name is trusted as it resolves.
   * @defaultValue `DAGFLOW_HTTP_ALLOW` (comma separated), else none
   */
  readonly httpAllow?: readonly string[];
}
