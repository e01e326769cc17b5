/**
 * The IPC messages between the driver (the main process) and a worker process it forks: the driver
 * sends `start`, `stats`, `stop` and `exit`; the worker answers `ready` (with the port of the HTTP
 * server it started, if any), `stats`, `stopped`, and sends `terminal` whenever its shape's terminal
 * jobs reach the batch size the start message gave.
 */
import type { BenchTarget } from './target.js';

/**
 * What a worker process serves after a `start`: one shape's worker side, or (`dagflow-server`,
 * `express-server`) the HTTP server of the request/reply rows, which answers its port in `ready`.
 */
export type WorkerSystem =
  | 'raw'
  | 'raw-chain'
  | 'raw-reply'
  | 'flow-producer'
  | 'hand-diamond'
  | 'dagflow'
  | 'dagflow-server'
  | 'express-server';

/**
 * The flows a dagflow process registers: the bench's shapes, `one` (a 1-node flow, the HTTP row's), or
 * `other` (a 1-node flow no load executes: the idle processes of the idle-process row), or the fair
 * shape's three 1-node flows (`fair-shape.ts`).
 */
export type FlowSet = 'bench' | 'http' | 'idle' | 'fair';

/** The payload of a `start` message. */
export interface StartSpec {
  readonly system: WorkerSystem;
  readonly target: BenchTarget;
  /** Key prefix of this shape and round (BullMQ prefix, or the dagflow service's prefix). */
  readonly prefix: string;
  readonly concurrency: number;
  /** A `terminal` message is sent each time this many terminal jobs have completed (BullMQ shapes). */
  readonly terminalBatch: number;
  /** dagflow processes: the flows to register (default `bench`). */
  readonly flows?: FlowSet;
  /** `dagflow-server`: the bearer token (operator) its HTTP API accepts; auth is on, as by default. */
  readonly token?: string;
}

/** Worker-process counters: cumulative CPU and the peak RSS of the process's life so far. */
export interface WorkerStats {
  /** User + system CPU of the whole process since it started, in microseconds. */
  readonly cpuMicros: number;
  /** The kernel's high-water mark of the process's RSS (`resourceUsage().maxRSS`), in bytes. */
  readonly peakRssBytes: number;
  /** When the stats were read: the monotonic clock in microseconds, the clock of V8's CPU profiles. */
  readonly atMicros: number;
}

/** Driver to worker. */
export type DriverMessage =
  | { readonly type: 'start'; readonly spec: StartSpec }
  | { readonly type: 'stats' }
  | { readonly type: 'stop' }
  | { readonly type: 'exit' };

/** Worker to driver. */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly port?: number }
  | { readonly type: 'terminal' }
  | { readonly type: 'stats'; readonly stats: WorkerStats }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };
