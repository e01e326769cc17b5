/** Options of `FlowClient.rerun`. */
export interface RerunOptions {
  /**
   * A new input for the nodes that failed, instead of their parents' outputs; with `from`, for that
   * node only.
   */
  readonly input?: unknown;
  /**
   * Rerun from this top-level node: it and everything downstream of it run again (a completed request
   * too), upstream nodes keep their outputs. Nodes inside a sub-DAG, branch or for-each rerun with
   * their composite vertex.
   */
  readonly from?: string;
}

/** Options of `FlowClient.waitForResult`. */
export interface WaitOptions {
  /**
   * How long to wait before throwing `WAIT_TIMEOUT` (the request goes on).
   * @defaultValue 30 000 ms
   */
  readonly timeoutMs?: number;
}
