import { type ChildProcess, fork } from 'node:child_process';

/** A worker child process started from a fixture module. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the fixture sent `'ready'`. */
  readonly ready: Promise<void>;
  /** Sends SIGKILL and waits for the exit. */
  kill(): Promise<void>;
  /** Sends SIGTERM (the fixture closes gracefully) and waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Forks `modulePath` (a fixture that starts a worker and sends `'ready'` over IPC) with `env` added to
 * the environment. Output goes to this process's stderr so failures stay readable.
 */
export function startWorkerProcess(modulePath: string, env: Record<string, string>): WorkerProcess {
  const child = fork(modulePath, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message) => {
      if (message === 'ready') resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited before ready (code ${code}, signal ${signal})`)),
    );
  });
  ready.catch(() => undefined);
  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    child,
    pid: child.pid ?? -1,
    ready,
    kill: () => signalAndWait('SIGKILL'),
    stop: () => signalAndWait('SIGTERM'),
  };
}
