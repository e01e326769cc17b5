import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built bench (pnpm build), run as users run it: a child process with its own private Redis.
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** The stream shape's rows (T3-6): absolute figures, with no BullMQ reference to be a ratio of. */
const STREAM_ROWS = [
  'ctx.emit to one FlowClient.stream reader, 100-byte chunks, one node',
  'CPU per 1,000 chunks: the worker process that emits (and the driver that reads)',
  'Redis memory per 1,000 chunks (used_memory after the stream, over before)',
  'emit-to-reader latency, one chunk every 2 ms, p50',
  'emit-to-reader latency, one chunk every 2 ms, p99',
];

/** The fair shape's rows (T3-8): the plain queue's figure is the reference of the two ratios after it. */
const PLAIN_QUEUE_ROW = '1-node requests, plain queue';
const FAIR_ROWS = [
  PLAIN_QUEUE_ROW,
  '1-node requests, fairness with one key, against the plain queue',
  '1-node requests, fairness with one key, against a concurrency key (one key)',
];

/** Rows that print a figure and no ratio. */
const ABSOLUTE_ROWS = [...STREAM_ROWS, PLAIN_QUEUE_ROW];

/** Every row a full quick run must print, in order. */
const ROWS = [
  'raw BullMQ no-op jobs',
  'FlowProducer 1+3 trees (vs raw)',
  'hand-written diamond (vs raw)',
  'dagflow fan-in 3->1 (vs FlowProducer)',
  'dagflow diamond (vs hand diamond)',
  'dagflow diamond (vs raw)',
  'dagflow 1-node requests (vs raw)',
  'raw BullMQ: add + process the items',
  'dagflow for-each (time vs raw)',
  'raw chain, per hop',
  'dagflow 50-node chain, per hop median',
  'dagflow 50-node chain, per hop p99',
  'dagflow worker peak RSS, diamond (vs hand)',
  ...['worker', 'Redis', 'driver', 'total'].flatMap((what) =>
    [
      'raw BullMQ',
      'FlowProducer',
      'hand diamond',
      'dagflow fan-in',
      'dagflow diamond',
      'dagflow 1-node',
    ].map((name) => `${what} CPU per 1,000 nodes: ${name} (vs raw)`),
  ),
  'Redis commands per node: raw BullMQ (vs raw)',
  'Redis commands per node: FlowProducer (vs raw)',
  'Redis commands per node: hand diamond (vs raw)',
  'Redis commands per node: dagflow fan-in (vs raw)',
  'Redis commands per node: dagflow diamond (vs raw)',
  'Redis commands per node: dagflow 1-node (vs raw)',
  'Redis commands per node: raw for-each jobs (vs foreach-raw)',
  'Redis commands per node: dagflow for-each (vs foreach-raw)',
  'Redis commands per node: raw chain (vs chain-raw)',
  'Redis commands per node: dagflow chain (vs chain-raw)',
  'dagflow diamond, 1 worker process',
  'dagflow diamond, 2 worker processes (vs 1)',
  'BullMQ add + waitUntilFinished, 250 in flight',
  'dagflow execute + waitForResult, 250 in flight (vs BullMQ)',
  'BullMQ add + waitUntilFinished, one at a time',
  'dagflow request/reply one at a time, p50 (vs BullMQ)',
  'dagflow request/reply one at a time, p99 (vs BullMQ)',
  'express route over BullMQ, POST /flow/one?wait=5, 50 connections',
  'dagflow server, POST /flow/one?wait=5 (vs express)',
  'dagflow server, p50 (vs express)',
  'dagflow server, p99 (vs express)',
  'HTTP server process CPU per 1,000 requests: dagflow (vs express)',
  'HTTP worker process CPU per 1,000 requests: dagflow (vs BullMQ)',
  'dagflow 1-node requests, 250 in flight, K = 0 idle processes',
  'dagflow 1-node requests, K = 6 idle processes (vs K = 0)',
  'CPU of the K = 6 idle processes per 1,000 requests (vs all CPU per 1,000 at K = 0)',
  ...STREAM_ROWS,
  ...FAIR_ROWS,
];

interface Printed {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the quick bench; a run still going after `limitMs` is killed with its process group (its
 * Redis and worker processes), and its progress lines say which measurement it was in.
 */
function runBench(env: Record<string, string>, limitMs = 200_000): Promise<Printed> {
  // The run must not inherit the caller's bench switches.
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('BENCH_'));
  const child = spawn(process.execPath, [MAIN], {
    env: { ...Object.fromEntries(inherited), BENCH_QUICK: '1', ...env },
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const limit = setTimeout(() => {
    stderr += `\nbench-smoke: killed after ${limitMs} ms\n`;
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  }, limitMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** The report table's rows by label: figure, ratio, target, verdict. */
function tableRows(stdout: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length !== 7 || cells[1] === 'row' || /^-+$/.test(cells[1] ?? '')) continue;
    rows.set(cells[1] ?? '', cells.slice(2, 6));
  }
  return rows;
}

describe('pnpm bench, BENCH_QUICK=1', () => {
  const profileDir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  afterAll(() => rmSync(profileDir, { recursive: true, force: true }));

  // The full quick run forks 14 processes and has 4 s of HTTP load in all: it can take more than the
  // project's 60 s on a busy 2-core machine.
  it(
    'prints every row with a numeric figure, a ratio and a verdict',
    { timeout: 240_000 },
    async () => {
      const { code, stdout, stderr } = await runBench({});
      expect(code, stderr).toBe(0);
      const rows = tableRows(stdout);
      expect([...rows.keys()]).toEqual(ROWS);
      for (const [label, [figure, ratio, target, verdict]] of rows) {
        expect(figure, label).toMatch(/\d/);
        expect(figure, label).not.toMatch(/NaN|Infinity/);
        if (ABSOLUTE_ROWS.includes(label)) expect(ratio, label).toBe('-');
        else expect(ratio, label).toMatch(/^\d[\d,]*\.\d\dx( \(\d[\d,]*\.\d\d-\d[\d,]*\.\d\d\))?$/);
        if (target === '-' || target === 'reference') expect(verdict, label).toBe('-');
        else expect(verdict, label).toMatch(/^(PASS|MISS)$/);
      }
      expect(stdout).toContain('Top Redis commands, dagflow diamond vs raw BullMQ');
    },
  );

  it('BENCH_ONLY runs a shape with its references; BENCH_PROFILE prints the worker profile', async () => {
    const { code, stdout, stderr } = await runBench({
      BENCH_ONLY: 'single',
      BENCH_PROFILE: profileDir,
    });
    expect(code, stderr).toBe(0);
    expect([...tableRows(stdout).keys()]).toEqual([
      'raw BullMQ no-op jobs',
      'dagflow 1-node requests (vs raw)',
      ...['worker', 'Redis', 'driver', 'total'].flatMap((what) =>
        ['raw BullMQ', 'dagflow 1-node'].map(
          (name) => `${what} CPU per 1,000 nodes: ${name} (vs raw)`,
        ),
      ),
      'Redis commands per node: raw BullMQ (vs raw)',
      'Redis commands per node: dagflow 1-node (vs raw)',
    ]);
    const profile = stdout.slice(stdout.indexOf('CPU profile of the dagflow worker process'));
    expect(profile).toMatch(/\d+ samples: busy [\d,]+ ms/);
    const functions = profile.split('\n').filter((line) => /^\| [\d,]+ \| [\d.]+% \| /.test(line));
    expect(functions.length).toBeGreaterThan(5);
  });

  it('BENCH_ONLY=http runs the HTTP rows alone; BENCH_PROFILE profiles the dagflow server apart', async () => {
    const httpProfileDir = join(profileDir, 'http');
    const { code, stdout, stderr } = await runBench({
      BENCH_ONLY: 'http',
      BENCH_PROFILE: httpProfileDir,
    });
    expect(code, stderr).toBe(0);
    expect([...tableRows(stdout).keys()]).toEqual(
      ROWS.filter((row) => /express|HTTP|dagflow server/.test(row)),
    );
    const server = stdout.slice(stdout.indexOf('CPU profile of the dagflow HTTP server process'));
    expect(server).toMatch(/\d+ samples: busy [\d,]+ ms/);
    expect(server).toContain('dagflow-server.cpuprofile');
  });

  it('BENCH_CLUSTER runs the diamond on one Redis and on a 3-master cluster, with per-server shares, then idle processes on the cluster', async () => {
    const { code, stdout, stderr } = await runBench({ BENCH_CLUSTER: '1' });
    expect(code, stderr).toBe(0);
    const rows = stdout
      .split('\n')
      .filter((line) => /^\| (one Redis|3-master Redis Cluster) \|/.test(line));
    expect(rows).toHaveLength(2);
    const [single, cluster] = rows.map((line) => line.split('|').map((cell) => cell.trim()));
    expect(single?.[2]).toMatch(/^\d[\d,]*$/);
    expect(cluster?.[2]).toMatch(/^\d[\d,]*$/);
    // Three masters, each with its share of the commands, adding up to about 100%.
    const shares = [...(cluster?.[3] ?? '').matchAll(/\(([\d.]+)%\)/g)].map((m) => Number(m[1]));
    expect(shares).toHaveLength(3);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(100, 0);
    expect(shares.every((share) => share > 5)).toBe(true);
    // Then the idle-process load on the cluster: K = 0, 2, 6, each master's CPU per 1,000 requests.
    const idle = stdout
      .split('\n')
      .filter((line) => /^\| [026] \|/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    expect(idle.map((cells) => cells[1])).toEqual(['0', '2', '6']);
    for (const cells of idle) {
      expect(cells[2]).toMatch(/^\d[\d,]*$/);
      expect(cells[3]?.split(' / ').map(Number)).toHaveLength(3);
      expect(cells[3]?.split(' / ').every((cpu) => Number(cpu) > 0)).toBe(true);
    }
    expect(idle.slice(1).every((cells) => Number(cells[5]) > 0)).toBe(true);
  });
});
