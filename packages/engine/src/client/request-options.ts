/** Options of `FlowClient.rerun`. */
export interface RerunOptions {
  /** A new input for the nodes that failed, instead of their parents' outputs. */
  readonly input?: unknown;
}

/** Options of `FlowClient.waitForResult`. */
export interface WaitOptions {
  /**
   * How long to wait before throwing `WAIT_TIMEOUT` (the request goes on).
   * @defaultValue 30 000 ms
   */
  readonly timeoutMs?: number;
}
