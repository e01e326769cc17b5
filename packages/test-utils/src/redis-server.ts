import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { answersPing } from './server-probe.js';
import { waitFor } from './wait-for.js';

/** A private redis-server on a free port; never the shared one on 6379. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL when `hard`) and waits for it to exit. */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port (after `stop`). */
  restart(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  readonly port?: number;
  /** Keep an append-only file (fsync always) in a temporary folder, so that a restart loses nothing. */
  readonly persistent?: boolean;
}

/** Starts `redis-server` on a free port (no persistence unless asked) and waits until it answers PING. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const persistence = options.persistent
    ? [
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--dir',
        mkdtempSync(join(tmpdir(), 'dagflow-redis-')),
      ]
    : ['--appendonly', 'no'];
  const launch = () => launchRedis(port, persistence);
  let child = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop({ hard = false } = {}) {
      await exitOf(child, hard ? 'SIGKILL' : 'SIGTERM');
    },
    async restart() {
      child = await launch();
    },
  };
}

async function launchRedis(port: number, persistence: readonly string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
    {
      stdio: 'ignore',
    },
  );
  child.unref();
  await waitFor(() => answersPing(port), {
    timeoutMs: 10_000,
    message: `redis-server on port ${port} did not start`,
  });
  return child;
}

function exitOf(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // The child is unref'd while it runs; waiting for its exit must keep this process alive.
    child.ref();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
