/** The driver's worker processes by name, forked on first use and kept for every round. */
import type { ProcessName } from './measurements.js';
import { WorkerHandle } from './worker-handle.js';

/** Forks worker processes lazily; only the dagflow ones are profiled when a profile folder is set. */
export class WorkerPool {
  readonly #handles = new Map<ProcessName, WorkerHandle>();
  readonly #profileDir: string | undefined;

  constructor(profileDir: string | undefined) {
    this.#profileDir = profileDir;
  }

  /** The process named `name`, forked now if it is not running yet. */
  get(name: ProcessName): WorkerHandle {
    let handle = this.#handles.get(name);
    if (!handle) {
      const profiled = name.startsWith('dagflow');
      handle = WorkerHandle.fork({ name, profileDir: profiled ? this.#profileDir : undefined });
      this.#handles.set(name, handle);
    }
    return handle;
  }

  /** Lets every process exit (profiles are written then) and waits for them. */
  async exitAll(): Promise<void> {
    await Promise.all([...this.#handles.values()].map((handle) => handle.exit()));
    this.#handles.clear();
  }
}
