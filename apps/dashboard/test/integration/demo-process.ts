import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, waitFor } from '@dagflow/test-utils';
import { type Browser, chromium } from 'playwright-core';

const DEMO = resolve('apps/demo/dist/main.js');

/** A running demo (HTTP server serving the dashboard, its worker, and the worker process it forks). */
export interface Demo {
  readonly base: string;
  stop(): Promise<void>;
}

/**
 * Starts the demo on a free loopback port with `env` added; ready once the server answers and both
 * workers beat. `token` is sent while waiting, for a demo with `DAGFLOW_TOKENS`.
 */
export async function startDemo(env: Record<string, string>, token?: string): Promise<Demo> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const demo: ChildProcess = spawn(process.execPath, [DEMO, 'all'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const headers: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  await waitFor(
    async () => {
      const flows = await fetch(`${base}/flows`, { headers })
        .then(
          (r) =>
            r.json() as Promise<{ flows: { name: string; workers: Record<string, number> }[] }>,
        )
        .catch(() => undefined);
      return (flows?.flows?.find((flow) => flow.name === 'kyc')?.workers[''] ?? 0) >= 2;
    },
    { timeoutMs: 20_000, intervalMs: 200, message: 'the demo did not start with two workers' },
  );
  return {
    base,
    stop: async () => {
      if (demo.exitCode !== null) return;
      const exited = new Promise((done) => demo.once('exit', done));
      demo.kill('SIGTERM');
      await exited;
    },
  };
}

/** Debian's Chromium, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
