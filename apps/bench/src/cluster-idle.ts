/**
 * `BENCH_CLUSTER=1`, second table: what an added process of a service costs the masters of a Redis
 * Cluster. The request/reply load of the idle-process row (1-node requests, `replyInFlight` in flight,
 * `execute` + `waitForResult` from the driver, one dagflow worker process) on the 3-master cluster,
 * with K = 0, 2 and 6 more dagflow processes of the same service beside it (`flows: 'idle'`: a
 * `FlowService` with its worker started, serving a flow `other` no request uses): each master's CPU
 * per 1,000 requests, and the idle processes' own CPU. A process listens to a request's channel only
 * while it waits for it or runs one of its steps, so an idle one should cost the masters nothing.
 */
import { Redis } from 'ioredis';
import type { BenchConfig } from './config.js';
import { benchClient, requestReply } from './shapes/dagflow.js';
import { inFlight } from './shapes/reply.js';
import { quantile } from './stats.js';
import type { BenchTarget } from './target.js';
import { WorkerHandle } from './worker-handle.js';

/** The numbers of idle processes measured. */
export const IDLE_COUNTS = [0, 2, 6] as const;

interface IdleSample {
  readonly requestsPerSec: number;
  /** CPU seconds of each master during the load. */
  readonly masterCpuSec: readonly number[];
  /** CPU seconds of the idle processes during the load, added up. */
  readonly idleCpuSec: number;
}

async function cpuSeconds(port: number): Promise<number> {
  const redis = new Redis({ port, maxRetriesPerRequest: 1 });
  try {
    const cpu = await redis.info('cpu');
    const seconds = (name: string): number =>
      Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
    return seconds('used_cpu_user') + seconds('used_cpu_sys');
  } finally {
    redis.disconnect();
  }
}

async function measure(
  setup: { readonly target: BenchTarget; readonly ports: readonly number[] },
  config: BenchConfig,
  run: { readonly idle: number; readonly round: number },
): Promise<IdleSample> {
  const { target, ports } = setup;
  const prefix = `bench-cluster-idle-${Date.now()}-${run.round}-${run.idle}`;
  const worker = WorkerHandle.fork({ name: 'dagflow-cluster' });
  const idle = Array.from({ length: run.idle }, (_, i) =>
    WorkerHandle.fork({ name: `dagflow-cluster-idle-${i + 1}` }),
  );
  const spec = { target, prefix, concurrency: config.concurrency, terminalBatch: 0 } as const;
  await worker.start({ ...spec, system: 'dagflow' });
  await Promise.all(idle.map((p) => p.start({ ...spec, system: 'dagflow', flows: 'idle' })));
  const client = benchClient({ target, prefix });
  try {
    const send = requestReply(client, 'single');
    await inFlight(send, Math.round(config.idleRequests / 8), config.replyInFlight); // warm-up
    const idleBefore = await Promise.all(idle.map((p) => p.stats()));
    const before = await Promise.all(ports.map(cpuSeconds));
    const ms = await inFlight(send, config.idleRequests, config.replyInFlight);
    const after = await Promise.all(ports.map(cpuSeconds));
    const idleAfter = await Promise.all(idle.map((p) => p.stats()));
    const idleMicros = idleAfter.reduce(
      (sum, s, i) => sum + s.cpuMicros - (idleBefore[i]?.cpuMicros ?? 0),
      0,
    );
    return {
      requestsPerSec: config.idleRequests / (ms / 1000),
      masterCpuSec: after.map((a, i) => a - (before[i] ?? 0)),
      idleCpuSec: idleMicros / 1e6,
    };
  } finally {
    await client.close();
    for (const p of [worker, ...idle]) await p.stop();
    await Promise.all([worker, ...idle].map((p) => p.exit()));
  }
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Runs the load for each K of {@link IDLE_COUNTS} on the cluster, `config.rounds` times interleaved;
 * answers a Markdown table of medians (per-master CPU in seconds per 1,000 requests).
 */
export async function clusterIdleBench(
  setup: { readonly target: BenchTarget; readonly ports: readonly number[] },
  config: BenchConfig,
  log: (line: string) => void,
): Promise<string[]> {
  const samples = IDLE_COUNTS.map(() => [] as IdleSample[]);
  for (let round = 0; round < config.rounds; round++) {
    for (const [i, idle] of IDLE_COUNTS.entries()) {
      log(`cluster round ${round + 1}/${config.rounds}: 1-node requests, ${idle} idle processes`);
      samples[i]?.push(await measure(setup, config, { idle, round }));
    }
  }
  const per1000 = config.idleRequests / 1000;
  const lines = [
    '| idle processes (K) | 1-node requests/s (median) | CPU per master, s per 1,000 requests | all masters | idle processes, s per 1,000 requests |',
    '| ------------------ | -------------------------- | ------------------------------------ | ----------- | ------------------------------------ |',
  ];
  for (const [i, idle] of IDLE_COUNTS.entries()) {
    const runs = samples[i] ?? [];
    const median = (values: number[]): number => quantile(values, 0.5);
    const masters = setup.ports.map((_, m) =>
      median(runs.map((r) => (r.masterCpuSec[m] ?? 0) / per1000)),
    );
    const all = median(runs.map((r) => r.masterCpuSec.reduce((a, b) => a + b, 0) / per1000));
    const idleCpu = median(runs.map((r) => r.idleCpuSec / per1000));
    lines.push(
      `| ${idle} | ${fmt(median(runs.map((r) => r.requestsPerSec)))} | ${masters.map((c) => fmt(c, 3)).join(' / ')} | ${fmt(all, 3)} | ${idle === 0 ? '-' : fmt(idleCpu, 4)} |`,
    );
  }
  return lines;
}
