/**
 * `pnpm bench`: dagflow against what a BullMQ user writes by hand, in one run, on one private Redis.
 * The driver (this process) adds jobs and executes requests; each system's workers run in a forked
 * worker process. Interleaved rounds, medians of per-round ratios. Switches: `BENCH_ROUNDS`,
 * `BENCH_QUICK=1`, `BENCH_ONLY=shape,...`, `BENCH_PROFILE=<dir>`, `BENCH_REDIS_URL`, `BENCH_CLUSTER=1`
 * (see BENCHMARKS.md).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@dagflow/test-utils';
import { clusterBench } from './cluster-bench.js';
import { readConfig } from './config.js';
import {
  type Window,
  mergeSummaries,
  profileTable,
  summarizeProfileFile,
} from './profile-summary.js';
import { rowsTable, topCommandsTable } from './report/report.js';
import { runRounds } from './rounds.js';
import { requestReplyRows } from './report/reply-rows.js';
import { buildRows } from './report/rows.js';
import { streamRows } from './report/stream-rows.js';
import { fairRows } from './report/fair-rows.js';
import { bullmqConnection } from './target.js';
import { WorkerPool } from './worker-pool.js';

const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
const log = (line: string): boolean => process.stderr.write(`bench: ${line}\n`);
const config = readConfig();
const profileDir = config.profileDir ? resolve(config.profileDir) : undefined;

if (profileDir && !process.execArgv.some((arg) => arg.startsWith('--cpu-prof'))) {
  // Profile the driver too: run this script again under --cpu-prof and pass its exit code on.
  mkdirSync(profileDir, { recursive: true });
  const args = [
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
    '--cpu-prof-name=driver.cpuprofile',
    ...process.execArgv,
    fileURLToPath(import.meta.url),
  ];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await bench();
}

async function bench(): Promise<void> {
  if (config.cluster) {
    const before = loadavg().map((n) => n.toFixed(2));
    const lines = await clusterBench(config, log);
    const after = loadavg().map((n) => n.toFixed(2));
    out(`machine: ${cpus()[0]?.model ?? '?'} x ${cpus().length}, Node ${process.version}`);
    out(
      `run: BENCH_CLUSTER, ${config.rounds} round(s), ${config.throughputNodes} diamond nodes each, ${config.idleRequests} 1-node requests (${config.replyInFlight} in flight) per idle-process load; load average ${before.join(' ')} before, ${after.join(' ')} after`,
    );
    out();
    for (const line of lines) out(line);
    return;
  }
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  const server = config.redisUrl ? undefined : await startRedis();
  const target = { url: config.redisUrl ?? server?.url ?? '' };
  const redis = bullmqConnection(target);
  const pool = new WorkerPool(profileDir);
  const sizes = `${config.throughputNodes} nodes per throughput shape, ${config.forEachItems} for-each items, ${config.chainRuns} chain runs, ${config.replyRequests} request/reply requests (${config.replyInFlight} in flight) and ${config.latencyRequests} one at a time, ${config.httpSeconds} s HTTP loads (${config.httpConnections} connections), ${config.idleRequests} idle-row requests, ${config.streamChunks} stream chunks (${config.streamLatencyChunks} paced)`;
  log(
    `Redis ${target.url}; ${config.rounds} round(s); ${sizes}; shapes ${[...config.shapes].join(',')}`,
  );
  try {
    const started = Date.now();
    const rounds = await runRounds({ config, target, redis, pool, log });
    await pool.exitAll();
    const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
    const bullmq = (createRequire(import.meta.url)('bullmq/package.json') as { version: string })
      .version;
    out(
      `machine: ${cpus()[0]?.model ?? '?'} x ${cpus().length}, Node ${process.version}, Redis ${redisVersion}, BullMQ ${bullmq}`,
    );
    out(
      `run: ${config.rounds} round(s), ${sizes}, worker concurrency ${config.concurrency}; load average ${load} before, ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')} after; ${Math.round((Date.now() - started) / 1000)} s`,
    );
    out();
    const rows = [
      ...buildRows(rounds),
      ...requestReplyRows(rounds),
      ...streamRows(rounds),
      ...fairRows(rounds),
    ];
    for (const line of rowsTable(rows)) out(line);
    const top = topCommandsTable(rounds);
    if (top.length > 0) {
      out();
      out('Top Redis commands, dagflow diamond vs raw BullMQ (medians):');
      out();
      for (const line of top) out(line);
    }
    if (profileDir) {
      // The dagflow processes, during the measured loads only (not start-up, not warm-up): the worker
      // processes added up (the idle ones of the idle-process row left out), then the HTTP server.
      const windows = new Map<string, Window[]>();
      for (const m of rounds.flatMap((round) => [...round.values()]))
        for (const w of m.workers)
          if (w.process.startsWith('dagflow') && !w.process.startsWith('dagflow-idle-'))
            windows.set(w.process, [...(windows.get(w.process) ?? []), w.window]);
      const summary = (names: string[], what: string): void => {
        if (names.length === 0) return;
        const files = names.map((name) => join(profileDir, `${name}.cpuprofile`));
        out();
        out(`CPU profile of ${what} during the measured loads (${files.join(', ')}):`);
        out();
        const summaries = names.map((name, i) =>
          summarizeProfileFile(files[i] ?? '', windows.get(name) ?? []),
        );
        for (const line of profileTable(mergeSummaries(summaries))) out(line);
      };
      const names = [...windows.keys()];
      summary(
        names.filter((name) => name !== 'dagflow-server'),
        'the dagflow worker processes',
      );
      summary(
        names.filter((name) => name === 'dagflow-server'),
        'the dagflow HTTP server process',
      );
    }
  } finally {
    await pool.exitAll();
    redis.disconnect();
    await server?.stop();
  }
}
