/** What a flow's versions and the migrations of its requests are told as (T3-1). */

/** One migration of a request from one flow version to another. */
export interface Migration {
  readonly from: string;
  readonly to: string;
  /** When it was migrated (ms since epoch). */
  readonly at: number;
}

/** One rerun of a request from a node (see `FlowClient.rerun` with `from`). */
export interface RerunRecord {
  /** The node the rerun started from. */
  readonly from: string;
  /** When (ms since epoch). */
  readonly at: number;
  /** Whether the rerun gave that node a new input. */
  readonly inputReplaced: boolean;
}

/** What `FlowClient.migrate` answers: what the migration changed. */
export interface MigrationResult extends Migration {
  readonly requestId: string;
  /** Nodes of the old shape that the new one lacks: their state and outputs were dropped. */
  readonly dropped: readonly string[];
  /**
   * Nodes enqueued to run on the new shape (their parents are done), or held until `resume` (a paused
   * request) or `rerun` (a failed or stopped one).
   */
  readonly released: readonly string[];
}

/** What `FlowClient.migrateAll` answers. */
export interface BulkMigrationResult {
  readonly from: string;
  readonly to: string;
  /** Live, paused, failed and stopped requests found on version `from` (of the flow's newest 5,000). */
  readonly matched: number;
  readonly migrated: number;
  /** The requests that could not be migrated, each with its error's code and message. */
  readonly failed: readonly {
    readonly requestId: string;
    readonly code: string;
    readonly message: string;
  }[];
}

/** One published version of a flow, as `FlowClient.versions` lists it. */
export interface FlowVersionInfo {
  /** Hash of the version's description. */
  readonly version: string;
  /** Whether it is the flow's current version in the registry (what processes without its code start). */
  readonly current: boolean;
  /** The `revision` it was registered with (see `FlowOptions.revision`), when one was given. */
  readonly revision?: number;
  /** When it was first published (ms since epoch). */
  readonly publishedAt: number;
  /**
   * Its live requests (of the flow's newest 5,000) by status; `running` counts requests whose nodes wait
   * for signals, sleeps, child flows or an unavailable step too.
   */
  readonly requests: {
    readonly pending: number;
    readonly running: number;
    readonly paused: number;
  };
  /** Live worker processes that can run each of its nodes (by path, outside branches and for-each bodies). */
  readonly nodeWorkers: Readonly<Record<string, number>>;
  /** Its nodes that no live worker can run: its requests wait there with `STEP_UNAVAILABLE`. */
  readonly unavailable: readonly string[];
  /** No live request runs on it: the code that serves only this version may be switched off. */
  readonly drained: boolean;
}
