/** The driver's side of one forked worker process: start a shape, read stats, stop, exit. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DriverMessage, StartSpec, WorkerMessage, WorkerStats } from './protocol.js';

const SCRIPT = fileURLToPath(new URL('./worker-process.js', import.meta.url));
const REPLY_TIMEOUT_MS = 600_000;

/** Options of {@link WorkerHandle.fork}. */
export interface ForkOptions {
  /** Name of the process in messages and in its CPU profile's file name. */
  readonly name: string;
  /** Write a V8 CPU profile of this process into this folder when it exits. */
  readonly profileDir?: string | undefined;
}

/** One worker process, driven over IPC; requests are answered one at a time, in order. */
export class WorkerHandle {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #terminals = 0;
  #terminalWaiters: { count: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  #replyWaiter:
    | {
        type: WorkerMessage['type'];
        resolve: (m: WorkerMessage) => void;
        reject: (e: Error) => void;
      }
    | undefined;

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (message: WorkerMessage) => this.#receive(message));
    child.once('exit', (code) =>
      this.#fail(new Error(`bench worker ${name} exited (code ${String(code)})`)),
    );
  }

  /** Forks `dist/worker-process.js` (with `--cpu-prof` when asked); stdout and stderr are inherited. */
  static fork(options: ForkOptions): WorkerHandle {
    const execArgv = options.profileDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${options.profileDir}`,
          `--cpu-prof-name=${options.name}.cpuprofile`,
        ]
      : [];
    return new WorkerHandle(options.name, fork(SCRIPT, [], { execArgv, stdio: 'inherit' }));
  }

  /** Starts a shape's worker side and resolves once its workers run, with its HTTP port if it has one. */
  async start(spec: StartSpec): Promise<number | undefined> {
    this.#terminals = 0;
    const reply = await this.#request({ type: 'start', spec }, 'ready');
    return reply.type === 'ready' ? reply.port : undefined;
  }

  /** Cumulative CPU and the peak RSS of the process so far. */
  async stats(): Promise<WorkerStats> {
    const reply = await this.#request({ type: 'stats' }, 'stats');
    if (reply.type !== 'stats') throw new Error(`bench worker ${this.name}: no stats`);
    return reply.stats;
  }

  /** Closes the shape's workers (the process stays for the next start). */
  async stop(): Promise<void> {
    await this.#request({ type: 'stop' }, 'stopped');
  }

  /** Resolves once `count` terminal batches have been reported since the last start. */
  untilTerminals(count: number): Promise<void> {
    if (this.#terminals >= count) return Promise.resolve();
    return new Promise((resolve, reject) => this.#terminalWaiters.push({ count, resolve, reject }));
  }

  /** Lets the process exit normally (its CPU profile is written then) and waits for it. */
  async exit(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.connected) this.#send({ type: 'exit' });
    await this.#exited;
  }

  #send(message: DriverMessage): void {
    this.#child.send(message);
  }

  #request(message: DriverMessage, replyType: WorkerMessage['type']): Promise<WorkerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench worker ${this.name}: no ${replyType} in time`)),
        REPLY_TIMEOUT_MS,
      );
      this.#replyWaiter = {
        type: replyType,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#send(message);
    });
  }

  #receive(message: WorkerMessage): void {
    if (message.type === 'terminal') {
      this.#terminals++;
      const due = this.#terminalWaiters.filter((w) => w.count <= this.#terminals);
      this.#terminalWaiters = this.#terminalWaiters.filter((w) => w.count > this.#terminals);
      for (const waiter of due) waiter.resolve();
    } else if (message.type === 'failed') {
      this.#fail(new Error(`bench worker ${this.name} failed: ${message.message}`));
    } else if (this.#replyWaiter?.type === message.type) {
      const waiter = this.#replyWaiter;
      this.#replyWaiter = undefined;
      waiter.resolve(message);
    }
  }

  #fail(error: Error): void {
    const waiter = this.#replyWaiter;
    this.#replyWaiter = undefined;
    waiter?.reject(error);
    for (const terminalWaiter of this.#terminalWaiters) terminalWaiter.reject(error);
    this.#terminalWaiters = [];
  }
}
