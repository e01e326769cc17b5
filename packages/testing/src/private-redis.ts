import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** How long a fresh `redis-server` may take to answer PING. */
const START_TIMEOUT_MS = 10_000;

/** A `redis-server` this process started, on a port of its own, keeping nothing on disk. */
export interface PrivateRedis {
  readonly url: string;
  /** Stops the server and waits until it exited. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` (from `PATH`) on a free port of 127.0.0.1, without persistence, and waits
 * until it answers PING.
 * @throws Error when the binary is missing or the server does not answer in time
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await unusedPort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`could not start redis-server (is it on PATH?): ${error.message}`)),
    );
  });
  const url = `redis://127.0.0.1:${port}`;
  try {
    await Promise.race([answersInTime(url), failed]);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  child.unref();
  return { url, stop: () => stopProcess(child) };
}

/** A port that no one listened on a moment ago. */
async function unusedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function answersInTime(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const pong = await probe
      .connect()
      .then(() => probe.ping())
      .catch(() => undefined);
    probe.disconnect();
    if (pong === 'PONG') return;
    await delay(20);
  }
  throw new Error(`redis-server at ${url} did not answer within ${START_TIMEOUT_MS} ms`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.ref(); // waiting for the exit keeps this process alive
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}
