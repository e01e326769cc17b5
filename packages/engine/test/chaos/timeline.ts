/** The commands a chaos run sends. */
export type Command = 'pause' | 'resume' | 'stop' | 'rerun';

/** One command sent to one request. */
export interface CommandRecord {
  /** When it was sent. */
  readonly at: number;
  /** When the engine answered. */
  readonly doneAt: number;
  readonly requestId: string;
  readonly command: Command;
  /** Whether the engine accepted it (else it answered an error, usually `INVALID_TRANSITION`). */
  readonly ok: boolean;
  /** Sent while driving requests to their end, after the chaos phase. */
  readonly drive?: boolean;
}

/** One injected fault. */
export interface FaultRecord {
  /** `deploy`: one worker of a rolling restart onto the next code version (one record per worker). */
  readonly kind: 'kill' | 'restart' | 'cut' | 'deploy';
  readonly start: number;
  /**
   * When the fault was over: the kill itself, Redis answering again, the proxy letting through, the
   * worker stopped by a deploy exiting (its replacement starts after).
   */
  readonly end: number;
  readonly detail: string;
  /** The worker killed, or stopped (SIGTERM) by a deploy. */
  readonly pid?: number;
  /** For a deploy: the code version it moves the workers to. */
  readonly code?: number;
  /** For a deploy: the worker did not exit within its drain and a grace, and was SIGKILLed. */
  readonly forced?: boolean;
  /**
   * Requests `running` just before the fault, with their nodes then `queued`, `running` or `retrying`,
   * and when the latest attempt of each `running` one started.
   */
  readonly inFlight: readonly {
    readonly requestId: string;
    readonly nodes: readonly string[];
    readonly started: Readonly<Record<string, number>>;
  }[];
}

/** A node whose request state said `queued` while its BullMQ job stayed `active`. */
export interface QueuedWhileActive {
  readonly jobId: string;
  readonly requestId: string;
  readonly path: string;
  /** How long it was seen so, ms. */
  readonly forMs: number;
  /** The request's status then. */
  readonly status: string;
  /** PTTL of the job's BullMQ lock then (-2: no lock). */
  readonly lockTtlMs: number;
}

/** Everything a chaos run did, for the invariant checks and the summary. */
export interface Timeline {
  readonly start: number;
  readonly requestIds: string[];
  /** When each request's `execute` returned. */
  readonly submittedAt: Map<string, number>;
  readonly commands: CommandRecord[];
  readonly faults: FaultRecord[];
  readonly queuedWhileActive: QueuedWhileActive[];
  samples: number;
  /**
   * Requests whose recovery after a fault is being watched, with the number of faults watching them:
   * no command is sent to them meanwhile.
   */
  readonly watched: Map<string, number>;
  /** Client calls that failed because Redis was down (retried or skipped). */
  clientErrors: number;
}

/** An empty timeline starting now. */
export function newTimeline(): Timeline {
  return {
    start: Date.now(),
    requestIds: [],
    submittedAt: new Map(),
    commands: [],
    faults: [],
    queuedWhileActive: [],
    samples: 0,
    watched: new Map(),
    clientErrors: 0,
  };
}
