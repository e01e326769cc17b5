import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/flows.mjs', import.meta.url).pathname;
let env: NodeJS.ProcessEnv;
const processes: ChildProcess[] = [];
let proxy: Server;
let proxyUrl = '';
/** `GET` paths the proxy passed or refused, in order. */
const seen: string[] = [];
/** When set, the proxy answers the events route 404 as a server without it would. */
let refuseEvents = false;

/** Starts `dagflow <args>` and resolves once its output says `ready`. */
async function startCli(args: string[], extra: NodeJS.ProcessEnv, ready: RegExp): Promise<void> {
  const child = spawn('node', [MAIN, ...args], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`dagflow ${args[0]} exited ${code}: ${output}`)));
  });
}

/** A stderr line of the CLI and when it arrived (ms after the start). */
interface Line {
  readonly at: number;
  readonly text: string;
}

/** Runs `dagflow run ... --wait` over HTTP through the proxy; keeps each stderr line's arrival. */
function runWaiting(...args: string[]): Promise<{ code: number; stdout: string; lines: Line[] }> {
  const started = Date.now();
  const child = spawn('node', [MAIN, 'run', ...args], {
    env: { ...env, DAGFLOW_URL: proxyUrl, REDIS_URL: 'redis://127.0.0.1:1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let pending = '';
  const lines: Line[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const text of parts) lines.push({ at: Date.now() - started, text });
  });
  return new Promise((resolve) =>
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, lines })),
  );
}

/** An HTTP proxy in front of the server that logs each GET and can refuse the events route. */
function startProxy(target: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'GET') seen.push(path);
    if (refuseEvents && path.endsWith('/events')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'ROUTE_NOT_FOUND', message: `No route for GET ${path}.` },
        }),
      );
      return;
    }
    const options = {
      port: target,
      host: '127.0.0.1',
      path,
      method: req.method,
      headers: req.headers,
    };
    const upstream = forward(options, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  env = {
    ...process.env,
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: testPrefix(import.meta.url, 'live-wait'),
    LOG_LEVEL: 'error',
  };
  const port = await freePort();
  await startCli(['worker', FIXTURE], {}, /ready/);
  await startCli(['server'], { PORT: String(port), HOST: '127.0.0.1' }, /listening on port/);
  proxy = await startProxy(port);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  for (const child of processes) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

beforeEach(() => {
  seen.length = 0;
  refuseEvents = false;
});

/** The progress lines among `lines`: `done/all nodes done (status)...`. */
const progressOf = (lines: Line[]): Line[] =>
  lines.filter((line) => / nodes done /.test(line.text));
const statePolls = (requestId: string): string[] =>
  seen.filter((path) => path === `/flow/paced/requests/${requestId}`);

describe('dagflow run --wait over HTTP', () => {
  it("follows the request's live stream: progress lines arrive as nodes finish, then the result", async () => {
    const { code, stdout, lines } = await runWaiting(
      'paced',
      '--data',
      '1',
      '--wait',
      '20',
      '--request-id',
      'live-1',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ total: 4 });
    const progress = progressOf(lines);
    const done = (n: number): Line | undefined =>
      progress.find((line) => line.text.startsWith(`${n}/3 nodes done`));
    const texts = progress.map((line) => line.text);
    expect(texts).toContain('1/3 nodes done (running): two');
    expect(texts).toContain('2/3 nodes done (running): three');
    expect(texts.at(-1)).toBe('3/3 nodes done (completed)');
    // Each line came when its node finished (400 ms apart), not all at the end.
    expect(done(2)!.at - done(1)!.at).toBeGreaterThan(250);
    expect(done(3)!.at - done(2)!.at).toBeGreaterThan(250);
    expect(lines.some((line) => line.text.includes('polling'))).toBe(false);
    // One stream, one read of the result, and no polling of the state.
    expect(seen.filter((path) => path.endsWith('/live-1/events'))).toHaveLength(1);
    expect(seen.filter((path) => path.endsWith('/live-1/result'))).toHaveLength(1);
    expect(statePolls('live-1')).toHaveLength(0);
  });

  it('falls back to polling when the server has no events route (404)', async () => {
    refuseEvents = true;
    const { code, stdout, lines } = await runWaiting(
      'paced',
      '--data',
      '10',
      '--wait',
      '20',
      '--request-id',
      'live-2',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ total: 13 });
    expect(lines.map((line) => line.text)).toContain(
      'live updates unavailable (No route for GET /flow/paced/requests/live-2/events.); polling instead',
    );
    const progress = progressOf(lines).map((line) => line.text);
    expect(progress).toContain('1/3 nodes done (running): two');
    expect(progress.at(-1)).toBe('3/3 nodes done (completed)');
    expect(statePolls('live-2').length).toBeGreaterThan(3);
  });

  it("prints a failed request's error after its stream ended (exit 1)", async () => {
    const { code, lines } = await runWaiting('broken', '--wait', '20');
    expect(code).toBe(1);
    expect(lines.map((line) => line.text)).toContain('0/1 nodes done (failed)');
    expect(lines.at(-1)?.text).toMatch(/the card was declined/);
    expect(seen.filter((path) => path.endsWith('/events'))).toHaveLength(1);
  });

  it('ends with WAIT_TIMEOUT (exit 3) when the stream outlives --wait', async () => {
    const { code, lines } = await runWaiting('paced', '--data', '1', '--wait', '0.5');
    expect(code).toBe(3);
    expect(lines.at(-1)?.text).toMatch(
      /^error WAIT_TIMEOUT: Request \S+ of flow 'paced' did not finish within 500 ms\.$/,
    );
  });
});
