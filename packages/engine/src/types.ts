/** Lifecycle of a request. */
export type RequestStatus = 'pending' | 'running' | 'completed' | 'failed' | 'stopped' | 'paused';

/** Lifecycle of one node within a request; `retrying` waits for its next attempt. */
export type NodeStatus = 'pending' | 'running' | 'retrying' | 'completed' | 'failed';

/** A node's error as recorded in the request state. */
export interface NodeError {
  /** Path of the node that failed. */
  readonly node: string;
  /** Attempts made when the error was recorded. */
  readonly attempts: number;
  /** The error's message. */
  readonly message: string;
  /** The error's class name, e.g. `TypeError`. */
  readonly name: string;
  /** A stable code when the error has one (`NODE_TIMEOUT`, or a handler error's own `code`). */
  readonly code?: string;
}

/** State of one node within a request. */
export interface NodeState {
  readonly status: NodeStatus;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Start of the latest attempt (ms since epoch). */
  readonly startedAt?: number;
  /** When the node completed or failed for good (ms since epoch). */
  readonly finishedAt?: number;
  /** The latest failed attempt's error. */
  readonly error?: NodeError;
  /** For a conditional branch: the branch keys that ran; for a for-each: its item keys. */
  readonly picked?: readonly string[];
}

/** What {@link FlowService.state} answers. */
export interface RequestState {
  readonly requestId: string;
  readonly flow: string;
  readonly status: RequestStatus;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Why the request failed: the node, its attempts and its error. */
  readonly error?: NodeError;
  /**
   * Every vertex by path (`verify/face-detect`, `route/adult/welcome`, `each[42]/check`). Vertices outside
   * branches and for-each bodies are listed from the start (`pending` until they run); those inside appear
   * once they start.
   */
  readonly nodes: Readonly<Record<string, NodeState>>;
}

/** Options of {@link FlowService.execute}. */
export interface ExecuteOptions {
  /**
   * The request's id: executing twice with one id runs the request once.
   * 1-128 characters of `[A-Za-z0-9_.-]`.
   * @defaultValue a random UUID
   */
  readonly requestId?: string;
  /** Query parameters, handed to handlers as `ctx.query`. */
  readonly query?: Readonly<Record<string, string>>;
  /** Headers, handed to handlers as `ctx.headers`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A registered flow as listed by {@link FlowService.flows}. */
export interface FlowInfo {
  readonly name: string;
  /** Hash of the DAG's description; changes whenever the definition does. */
  readonly version: string;
  readonly nodes: number;
}
