/**
 * Every stable error code dagflow reports, from DAG validation to the HTTP API.
 * Codes never change meaning; new ones are only added. Each is documented in `docs/errors.md`.
 */
export const ErrorCode = {
  /** A DAG has no nodes. */
  DAG_EMPTY: 'DAG_EMPTY',
  /** The edges of a DAG form a cycle; the message and `nodes` name it in order. */
  DAG_CYCLE: 'DAG_CYCLE',
  /** An edge names a node that the DAG does not define. */
  DAG_UNKNOWN_NODE: 'DAG_UNKNOWN_NODE',
  /** Two nodes of one DAG share an id. */
  DAG_DUPLICATE_NODE: 'DAG_DUPLICATE_NODE',
  /** The same edge is declared twice. */
  DAG_DUPLICATE_EDGE: 'DAG_DUPLICATE_EDGE',
  /** A node id or flow name uses characters outside `[A-Za-z0-9_.-]` or is too long. */
  DAG_INVALID_ID: 'DAG_INVALID_ID',
  /** A node option is out of range (negative retries, non-positive timeout, ...). */
  DAG_INVALID_OPTION: 'DAG_INVALID_OPTION',
  /** A node's handler lives in another service (a `remote` node or one handled on another queue). */
  NO_HANDLER: 'NO_HANDLER',
  /** A declarative flow definition is malformed; the message names the place (`nodes[2].branch.select`). */
  DEFINITION_INVALID: 'DEFINITION_INVALID',
  /** A declarative node names an operation that is not registered. */
  UNKNOWN_OPERATION: 'UNKNOWN_OPERATION',
  /** No flow of that name is registered. */
  FLOW_NOT_FOUND: 'FLOW_NOT_FOUND',
  /** A flow of that name is already registered in this service. */
  FLOW_ALREADY_REGISTERED: 'FLOW_ALREADY_REGISTERED',
  /** A flow defined in code would be replaced or changed over HTTP without an explicit `force`. */
  FLOW_OWNED_BY_CODE: 'FLOW_OWNED_BY_CODE',
  /**
   * A request id uses characters outside `[A-Za-z0-9_.-]`, is longer than 128 characters, or starts
   * with `child-` (reserved for child requests).
   */
  INVALID_REQUEST_ID: 'INVALID_REQUEST_ID',
  /**
   * An execute reused the id of an existing request with another input (an idempotency key names one
   * input); nothing was created or changed. Retry with the first input, or use a new request id.
   */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** No request with that id exists for that flow (or its data has expired). */
  REQUEST_NOT_FOUND: 'REQUEST_NOT_FOUND',
  /** The request exists but has not finished yet. */
  REQUEST_NOT_FINISHED: 'REQUEST_NOT_FINISHED',
  /** The request has no node at that path (none in its flow, or a branch or item that never started). */
  NODE_NOT_FOUND: 'NODE_NOT_FOUND',
  /** The request ended `failed`; details name the node, its attempts and its error. */
  REQUEST_FAILED: 'REQUEST_FAILED',
  /** Waiting for a result took longer than the given timeout; the request goes on. */
  WAIT_TIMEOUT: 'WAIT_TIMEOUT',
  /** The request was stopped; running handlers see their signal aborted with this code. */
  REQUEST_STOPPED: 'REQUEST_STOPPED',
  /**
   * The request was stopped by its deadline: not started within the flow's `deadline.startMs`, or not
   * finished within `deadline.finishMs` (or the execute's `deadlineMs`). The request state's `error`
   * carries this code, its message says which deadline passed.
   */
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  /**
   * The request was stopped by a newer request of the same singleton key (`singleton.mode:
   * 'cancel-previous'`); the request state's `error` carries this code, its message names the newer request.
   */
  SUPERSEDED: 'SUPERSEDED',
  /** A lifecycle command does not apply in the request's status (resume a running request, stop a completed one...). */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  /** A node attempt ran longer than its `timeoutMs`; its signal was aborted. */
  NODE_TIMEOUT: 'NODE_TIMEOUT',
  /** The worker running a node stopped (killed, or its event loop blocked) more often than allowed. */
  NODE_STALLED: 'NODE_STALLED',
  /** A conditional branch's condition returned a key that the branch does not declare. */
  INVALID_BRANCH_KEY: 'INVALID_BRANCH_KEY',
  /** A for-each function returned something other than an object `{ [itemKey]: itemInput }`. */
  INVALID_ITEMS: 'INVALID_ITEMS',
  /** A for-each function returned more items than the service's `maxForEachItems`. */
  TOO_MANY_ITEMS: 'TOO_MANY_ITEMS',
  /** The `http` operation was asked to reach an address it may not (loopback, private, link-local...). */
  HTTP_TARGET_FORBIDDEN: 'HTTP_TARGET_FORBIDDEN',
  /** The `http` operation's call took longer than its timeout. */
  HTTP_TIMEOUT: 'HTTP_TIMEOUT',
  /** The `publish` operation named a queue dagflow runs nodes on. */
  QUEUE_FORBIDDEN: 'QUEUE_FORBIDDEN',
  /** A handler returned a value that cannot be stored (a function, a symbol, a cyclic object). */
  INVALID_OUTPUT: 'INVALID_OUTPUT',
  /** A node's output does not satisfy its `output` schema; `details.issues` lists what is wrong. Retried like any failure. */
  OUTPUT_SCHEMA_MISMATCH: 'OUTPUT_SCHEMA_MISMATCH',
  /** A request body is not valid JSON although its content type says it is. */
  INVALID_JSON: 'INVALID_JSON',
  /** A request body or query parameter is malformed, or an input fails its flow's `input` schema, a signal payload its `payload` schema (`details.issues`). */
  INVALID_INPUT: 'INVALID_INPUT',
  /** A request body is over the HTTP limit, a node output over `maxOutputBytes`, or an `http` response over its cap. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** No HTTP route matches the method and path. */
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  /** An HTTP request carries no bearer token, or one the server does not know. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The caller's token is valid but its role may not use this route. */
  FORBIDDEN: 'FORBIDDEN',
  /** An address sent too many unknown bearer tokens in a short time; it is refused for a while. */
  TOO_MANY_AUTH_FAILURES: 'TOO_MANY_AUTH_FAILURES',
  /** A state-changing HTTP request's body is of a content type the route does not accept. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The HTTP path exists, but not for this method; the `Allow` header lists the methods it has. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /**
   * Node.js's HTTP parser refused the request before any route saw it: a malformed request line,
   * header or framing (`Content-Length` with `Transfer-Encoding`, an unknown method).
   */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The request's head (request line and headers) is larger than the server takes (16 KiB by default). */
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  /** The request's head or body did not arrive within the server's time limits. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** The HTTP path is malformed (bad percent-encoding, not UTF-8). */
  INVALID_PATH: 'INVALID_PATH',
  /** A request body's `Content-Encoding` is unsupported, or the body does not decode with it. */
  INVALID_ENCODING: 'INVALID_ENCODING',
  /** A signal was delivered to a node that already has one (each signal node takes one per request). */
  SIGNAL_ALREADY_DELIVERED: 'SIGNAL_ALREADY_DELIVERED',
  /** The request's flow has no signal node at that path. */
  SIGNAL_NOT_FOUND: 'SIGNAL_NOT_FOUND',
  /**
   * `rerun(..., { from })` named a node that is not a top-level vertex of the request's flow version
   * (unknown, or inside a sub-DAG, branch or for-each: rerun from the composite vertex instead).
   */
  UNKNOWN_NODE: 'UNKNOWN_NODE',
  /** No bulk action with that id exists for that flow, or its progress expired. */
  BULK_NOT_FOUND: 'BULK_NOT_FOUND',
  /**
   * A signal node or an event wait (`dag.waitFor`) waited longer than its `timeoutMs`; it fails (for
   * good: a fallback still applies).
   */
  SIGNAL_TIMEOUT: 'SIGNAL_TIMEOUT',
  /** A signal URL was asked of a process without a signing key (`DAGFLOW_SIGNING_KEY`). */
  SIGNING_KEY_MISSING: 'SIGNING_KEY_MISSING',
  /** A signal URL's token is malformed, tampered with, or signed with a key id no longer configured. */
  SIGNAL_URL_INVALID: 'SIGNAL_URL_INVALID',
  /** A signal URL's token is past its expiry. */
  SIGNAL_URL_EXPIRED: 'SIGNAL_URL_EXPIRED',
  /** A signal URL's token was used already: each delivers one signal. */
  SIGNAL_URL_USED: 'SIGNAL_URL_USED',
  /**
   * The child request of a `dag.flow` node failed or was stopped, or a request with the child's id
   * exists that this node did not start (`details.reason: 'foreign'`, not adopted); details name the
   * child and its error.
   */
  CHILD_FLOW_FAILED: 'CHILD_FLOW_FAILED',
  /** The service is closing or closed and takes no new work. */
  SERVICE_CLOSED: 'SERVICE_CLOSED',
  /** A configuration value (option or environment variable) is invalid or missing. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /**
   * Redis holds dagflow data of another stored format than this process reads and writes; the
   * process refuses to start. The message names both versions.
   */
  STORED_FORMAT_MISMATCH: 'STORED_FORMAT_MISMATCH',
  /** A schedule's options are invalid: its id, both or neither of `cron` and `everyMs`, a cron pattern that does not parse. */
  INVALID_SCHEDULE: 'INVALID_SCHEDULE',
  /** No schedule with that id exists for that flow. */
  SCHEDULE_NOT_FOUND: 'SCHEDULE_NOT_FOUND',
  /**
   * A node of an older flow version that no live worker can run (its code was removed or renamed by a
   * deploy): the node waits, its request stays running; with `stepUnavailableTimeoutMs` it fails with
   * this code after that long.
   */
  STEP_UNAVAILABLE: 'STEP_UNAVAILABLE',
  /**
   * A request cannot be migrated to its flow's current version as it stands: `details.reason` says why
   * (`running`: a node runs now; `composite-changed`: a sub-DAG, branch or for-each in progress changed
   * shape; `nothing-to-run`: every terminal of the new shape is done, and the request is live),
   * `details.nodes` names the nodes.
   */
  MIGRATION_REFUSED: 'MIGRATION_REFUSED',
  /**
   * A live stream was refused: the caller (or the whole server process) has as many open as it may
   * (`maxStreamsPerCaller`, `maxStreams`); close one, or retry after `Retry-After` seconds.
   */
  TOO_MANY_STREAMS: 'TOO_MANY_STREAMS',
  /**
   * A chunk a handler emitted (`ctx.emit`) is over `maxChunkBytes`, or would take its request's stream
   * over `maxStreamBytes`; `details.limitName` says which, `details.limit` its value. Nothing was
   * appended.
   */
  STREAM_LIMIT_EXCEEDED: 'STREAM_LIMIT_EXCEEDED',
  /**
   * A write of a node attempt that no longer owns its node (another attempt took it over: a retry after
   * its worker was lost, a rerun) was refused; the attempt's writes are dropped.
   */
  STALE_ATTEMPT: 'STALE_ATTEMPT',
  /**
   * `ctx.emit` was called after the node finished or the request ended (or outside a node's handler,
   * e.g. in a compensation); nothing was appended.
   */
  STREAM_CLOSED: 'STREAM_CLOSED',
  /**
   * The node feeding a stream edge (`dag.edge(from, to, { stream: true })`) failed an attempt and is
   * retried, or its worker was lost: the consumer's attempt ends (not counted as a failure) and runs
   * again from the first chunk of the producer's next attempt.
   */
  UPSTREAM_RETRIED: 'UPSTREAM_RETRIED',
  /**
   * `createTestEnv` of `@dagflow/testing` was called while another test environment of the process
   * is open: the engine reads one clock per process, so environments cannot overlap. Close the open
   * one first (`env.close()` in `afterEach`), or run tests that need two in separate processes.
   */
  TEST_ENV_OPEN: 'TEST_ENV_OPEN',
  /** An unexpected fault; the message says what failed. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

/** One of the stable codes of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one error class dagflow throws; `code` says which failure it is. */
export class DagflowError extends Error {
  /**
   * @param code - the stable code callers branch on
   * @param message - what failed, for which flow, request or node, and what to do next
   * @param options - `cause` (the underlying error) and `details` (structured context)
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
  }

  /** Structured context of the failure (node path, attempts, ...), safe to serialise. */
  readonly details: Record<string, unknown> | undefined;
}

/** Thrown when a DAG fails validation; `nodes` names the offending nodes. */
export class DagValidationError extends DagflowError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly nodes: readonly string[],
  ) {
    super(code, message, { details: { nodes } });
  }
}

/**
 * Thrown by a handler to fail its node at once, without the retries left: a declined card, a malformed
 * document. Fallback and compensations still run.
 */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
