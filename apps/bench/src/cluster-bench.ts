/**
 * `BENCH_CLUSTER=1`: the dagflow diamond on one Redis and on a private 3-master Redis Cluster in the same
 * run (interleaved rounds, a fresh worker process each time), with every server's share of the Redis
 * commands and its CPU. On 2 cores the cluster cannot run faster than one Redis: the point is the load
 * spreading over the masters, from which the throughput of N cores is estimated. Then, on the cluster,
 * what idle processes of the service cost each master (`cluster-idle.ts`).
 */
import { startRedis, startRedisCluster } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import type { BenchConfig } from './config.js';
import { benchClient, runRequests } from './shapes/dagflow.js';
import { quantile } from './stats.js';
import type { BenchTarget } from './target.js';
import { WorkerHandle } from './worker-handle.js';
import { clusterIdleBench } from './cluster-idle.js';

/** One measured run of the diamond against one setup. */
interface ClusterSample {
  readonly nodesPerSec: number;
  /** Per server (masters on the cluster): commands run and CPU seconds used during the load. */
  readonly servers: readonly { readonly commands: number; readonly cpuSec: number }[];
}

/** Commands run and CPU seconds used by one server so far. */
async function serverCounters(port: number): Promise<{ commands: number; cpuSec: number }> {
  const redis = new Redis({ port, maxRetriesPerRequest: 1 });
  try {
    const [stats, cpu] = [await redis.info('commandstats'), await redis.info('cpu')];
    let commands = 0;
    for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
      if (m[1] !== 'info') commands += Number(m[2]);
    const seconds = (name: string): number =>
      Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
    return { commands, cpuSec: seconds('used_cpu_user') + seconds('used_cpu_sys') };
  } finally {
    redis.disconnect();
  }
}

async function measure(
  target: BenchTarget,
  ports: readonly number[],
  config: BenchConfig,
  round: number,
): Promise<ClusterSample> {
  const prefix = `bench-cluster-${Date.now()}-${round}`;
  const worker = WorkerHandle.fork({ name: 'dagflow-cluster' });
  await worker.start({
    system: 'dagflow',
    target,
    prefix,
    concurrency: config.concurrency,
    terminalBatch: 0,
  });
  const client = benchClient({ target, prefix });
  try {
    await runRequests(client, 'diamond', Math.round(config.throughputNodes / 32)); // warm-up
    const before = await Promise.all(ports.map(serverCounters));
    const ms = await runRequests(client, 'diamond', config.throughputNodes / 4);
    const after = await Promise.all(ports.map(serverCounters));
    return {
      nodesPerSec: config.throughputNodes / (ms / 1000),
      servers: after.map((a, i) => ({
        commands: a.commands - (before[i]?.commands ?? 0),
        cpuSec: a.cpuSec - (before[i]?.cpuSec ?? 0),
      })),
    };
  } finally {
    await client.close();
    await worker.stop();
    await worker.exit();
  }
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Runs the cluster comparison and answers its report lines (a Markdown table and an estimate). */
export async function clusterBench(
  config: BenchConfig,
  log: (line: string) => void,
): Promise<string[]> {
  const single = await startRedis();
  const cluster = await startRedisCluster({ masters: 3 });
  try {
    const masters = (await cluster.masters()).map((m) => m.port);
    const setups = [
      { name: 'one Redis', target: { url: single.url }, ports: [single.port] },
      {
        name: '3-master Redis Cluster',
        target: {
          url: `redis://127.0.0.1:${masters[0] ?? 0}`,
          clusterNodes: cluster.seeds.split(','),
        },
        ports: masters,
      },
    ];
    const samples = setups.map(() => [] as ClusterSample[]);
    for (let round = 0; round < config.rounds; round++) {
      for (const [i, setup] of setups.entries()) {
        log(`cluster round ${round + 1}/${config.rounds}: diamond on ${setup.name}`);
        samples[i]?.push(await measure(setup.target, setup.ports, config, round));
      }
    }
    const lines = [
      '| setup | diamond nodes/s (median) | commands per server (share) | Redis CPU per server, s per 1,000 nodes |',
      '| ----- | ------------------------ | --------------------------- | --------------------------------------- |',
    ];
    const estimates: string[] = [];
    for (const [i, setup] of setups.entries()) {
      const runs = samples[i] ?? [];
      const rate = quantile(
        runs.map((r) => r.nodesPerSec),
        0.5,
      );
      const per = setup.ports.map((_, s) => ({
        commands: quantile(
          runs.map((r) => r.servers[s]?.commands ?? 0),
          0.5,
        ),
        cpu: quantile(
          runs.map((r) => (r.servers[s]?.cpuSec ?? 0) / (config.throughputNodes / 1000)),
          0.5,
        ),
      }));
      const total = per.reduce((sum, p) => sum + p.commands, 0);
      const shares = per.map((p) => `${fmt(p.commands)} (${fmt((100 * p.commands) / total, 1)}%)`);
      lines.push(
        `| ${setup.name} | ${fmt(rate)} | ${shares.join(' / ')} | ${per.map((p) => fmt(p.cpu, 3)).join(' / ')} |`,
      );
      // The busiest server bounds the rate once each has a core of its own: 1,000 nodes per its CPU.
      const busiest = Math.max(...per.map((p) => p.cpu));
      if (busiest > 0)
        estimates.push(
          `${setup.name}: the busiest Redis spends ${fmt(busiest, 3)} s per 1,000 nodes, so with a core per Redis (and enough worker cores) it caps near ${fmt(1000 / busiest)} nodes/s`,
        );
    }
    const clustered = setups[1];
    const idle = clustered === undefined ? [] : await clusterIdleBench(clustered, config, log);
    return [...lines, '', ...estimates.map((line) => `- ${line}`), '', ...idle];
  } finally {
    await cluster.stop();
    await single.stop();
  }
}
