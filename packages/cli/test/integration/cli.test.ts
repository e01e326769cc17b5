import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/flows.mjs', import.meta.url).pathname;
let env: NodeJS.ProcessEnv;
let worker: ChildProcess;
let workerReady = '';

/** Runs the CLI; answers its exit code and output. */
function dagflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [MAIN, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  env = {
    ...process.env,
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: testPrefix(import.meta.url, 'cli'),
    LOG_LEVEL: 'error',
  };
  const workerEnv = { ...env, METRICS_PORT: String(await freePort()) };
  worker = spawn('node', [MAIN, 'worker', FIXTURE], {
    env: workerEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    worker.stdout?.on('data', (chunk: Buffer) => {
      workerReady += chunk.toString();
      if (workerReady.includes('ready')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`dagflow worker exited with ${code}`)));
  });
});

afterAll(async () => {
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGTERM');
  await exited;
});

describe('dagflow CLI', () => {
  it('runs a flow with --wait, shows progress, prints the result and exits 0', async () => {
    const { code, stdout, stderr } = await dagflow(
      'run',
      'greet',
      '--data',
      'hallo',
      '--wait',
      '10',
    );
    expect(code).toBe(0);
    expect(stdout).toBe('you said "hallo"\n');
    expect(stderr).toMatch(/1\/1 nodes done \(completed\)/);
    const steps = await dagflow('run', 'steps', '--data', '4', '--wait', '10');
    expect(steps.code).toBe(0);
    expect(JSON.parse(steps.stdout)).toEqual({ total: 10 });
    expect(steps.stderr).toMatch(/3\/3 nodes done \(completed\)/);
  });

  it('exits non-zero with the error when the flow fails', async () => {
    const { code, stderr } = await dagflow('run', 'broken', '--wait', '10');
    expect(code).toBe(1);
    expect(stderr).toContain('REQUEST_FAILED');
    expect(stderr).toContain('the card was declined');
  });

  it('starts without waiting, then answers status; unknown requests and bad usage exit non-zero', async () => {
    const started = await dagflow(
      'run',
      'greet',
      '--data',
      '"json string"',
      '--request-id',
      'cli-1',
    );
    expect(started).toMatchObject({ code: 0, stdout: 'cli-1\n' });
    await dagflow('run', 'greet', '--request-id', 'cli-1', '--wait', '10');
    const status = await dagflow('status', 'greet', 'cli-1');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ requestId: 'cli-1', status: 'completed' });
    const unknown = await dagflow('status', 'greet', 'no-such-request');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('REQUEST_NOT_FOUND');
    expect((await dagflow('stop', 'greet', 'cli-1')).stderr).toContain('INVALID_TRANSITION');
    expect((await dagflow('frobnicate')).code).toBe(2);
    expect((await dagflow('status', 'greet')).code).toBe(2);
    expect((await dagflow('run', 'greet', '--wait', 'soon')).code).toBe(2);
  });

  it('lists and describes flows; --help everywhere', async () => {
    const flows = await dagflow('flows');
    expect(flows.stdout).toMatch(/^steps {2}version \w+ {2}3 nodes {2}workers flow: 1$/m);
    const described = await dagflow('describe', 'steps');
    expect(described.stdout).toBe('a (retries 2) -> b\nb -> c\nc\n');
    for (const args of [['--help'], ['run', '--help'], ['status', '--help']]) {
      const help = await dagflow(...args);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Exit codes');
    }
  });

  it('has help per command and prints its version', async () => {
    const commands = ['server', 'worker', 'run', 'status', 'stop', 'flows', 'describe'];
    const helps = await Promise.all(commands.map((command) => dagflow(command, '--help')));
    helps.forEach((help, i) => {
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: dagflow ${commands[i]}`);
    });
    expect((await dagflow('run', '--help')).stdout).toContain('--wait [seconds]');
    expect((await dagflow('help', 'describe')).stdout).toContain('Usage: dagflow describe');
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(await dagflow('--version')).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('prints JSON that parses with --json', async () => {
    const started = await dagflow('run', 'greet', '--data', 'x', '--request-id', 'j-1', '--json');
    expect(JSON.parse(started.stdout)).toEqual({ requestId: 'j-1' });
    const waited = await dagflow('run', 'steps', '--data', '1', '--wait', '10', '--json');
    expect(JSON.parse(waited.stdout)).toMatchObject({ result: { total: 4 } });
    const flows = JSON.parse((await dagflow('flows', '--json')).stdout);
    expect(flows).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'steps', nodes: 3 })]),
    );
    const described = JSON.parse((await dagflow('describe', 'steps', '--json')).stdout);
    expect(described.nodes.map((node: { id: string }) => node.id)).toEqual(['a', 'b', 'c']);
    const status = JSON.parse((await dagflow('status', 'greet', 'j-1', '--json')).stdout);
    expect(status).toMatchObject({ requestId: 'j-1' });
    const rerun = await dagflow('rerun', 'greet', 'j-1', '--json');
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toContain('INVALID_TRANSITION');
  });

  it("prints a batched flow's position: on stderr beside the id, in the JSON with and without --wait", async () => {
    const first = await dagflow('run', 'tally', '--data', '1');
    expect(first).toMatchObject({ code: 0, stderr: 'batch position 0\n' });
    const id = first.stdout.trim();
    const second = await dagflow('run', 'tally', '--data', '2', '--json');
    expect(JSON.parse(second.stdout)).toEqual({ requestId: id, position: 1 });
    // A caller that waits on a batch still open (its request does not exist yet) gets the batch's
    // result once another input fills it, and the position of its part. This answered
    // REQUEST_NOT_FOUND at once: the live follow read a request that was not yet created.
    const waiting = dagflow('run', 'tally', '--data', '3', '--wait', '20', '--json');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const other = await dagflow('run', 'tally', '--data', '4');
    const waited = await waiting;
    expect(waited.code, waited.stderr).toBe(0);
    const batch = JSON.parse(waited.stdout) as {
      requestId: string;
      position: number;
      result: number[];
    };
    expect(batch.requestId).toBe(other.stdout.trim());
    expect(batch.requestId).not.toBe(id);
    expect([...batch.result].sort()).toEqual([6, 8]);
    expect(batch.result[batch.position]).toBe(6);
    expect(other.stderr).toBe(`batch position ${1 - batch.position}\n`);
  });

  it('reruns from a node with a new input, and applies a bulk action by filter', async () => {
    await dagflow('run', 'steps', '--data', '1', '--request-id', 'from-1', '--wait', '10');
    const from = await dagflow(
      'rerun',
      'steps',
      'from-1',
      '--from',
      'b',
      '--input',
      '10',
      '--json',
    );
    expect(from.code).toBe(0);
    let state = { status: '', reruns: [] as unknown[] };
    for (let i = 0; i < 50 && state.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      state = JSON.parse(
        (await dagflow('status', 'steps', 'from-1', '--json')).stdout,
      ) as typeof state;
    }
    expect(state).toMatchObject({
      status: 'completed',
      reruns: [{ from: 'b', inputReplaced: true }],
    });
    const unknown = await dagflow('rerun', 'steps', 'from-1', '--from', 'zz');
    expect(unknown.stderr).toContain('UNKNOWN_NODE');
    const dry = await dagflow(
      'bulk',
      'steps',
      'delete',
      '--status',
      'completed',
      '--dry-run',
      '--json',
    );
    const { matched } = JSON.parse(dry.stdout) as { matched: number };
    expect(matched).toBeGreaterThan(0);
    const bulk = await dagflow('bulk', 'steps', 'delete', '--status', 'completed', '--json');
    expect(bulk.code).toBe(0);
    expect(JSON.parse(bulk.stdout)).toMatchObject({ matched, done: matched, failed: 0 });
    const bad = await dagflow('bulk', 'steps', 'explode');
    expect(bad.code).not.toBe(0);
  });

  it('waits without a limit for a bare --wait, printing plain progress lines when piped', async () => {
    const { code, stdout, stderr } = await dagflow('run', 'steps', '--data', '2', '--wait');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ total: 6 });
    expect(stderr).not.toContain('\r');
    const lines = stderr.trim().split('\n');
    expect(lines.at(-1)).toBe('3/3 nodes done (completed)');
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('serves the metrics of `dagflow worker` on METRICS_PORT, with the nodes it ran', async () => {
    const port = /metrics on port (\d+)/.exec(workerReady)?.[1];
    expect(port).toBeDefined();
    expect((await dagflow('run', 'greet', '--data', 'm', '--wait', '10')).code).toBe(0);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const completed = /^dagflow_node_attempts_total\{flow="greet",outcome="completed"\} (\d+)$/m;
    expect(Number(completed.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
  });
});
