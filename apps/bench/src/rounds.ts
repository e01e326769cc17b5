/**
 * Interleaved rounds: every selected measurement once per round (the order rotates from round to
 * round), after one unmeasured warm-up round at an eighth of the sizes. Each measurement starts its
 * worker processes' side under a prefix of its own, reads worker and Redis counters around the load,
 * stops the workers and deletes its keys.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BenchConfig } from './config.js';
import {
  MEASUREMENTS,
  type Measurement,
  type MeasurementId,
  type ProcessName,
} from './measurements.js';
import { type RedisDelta, redisDelta, redisSnapshot } from './redis-stats.js';
import { type BenchTarget, bullmqPrefix, deleteKeys } from './target.js';
import type { WorkerPool } from './worker-pool.js';

/** One worker process's share of a measurement. */
export interface WorkerUse {
  readonly process: ProcessName;
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
  /** The load's start and end on the worker's monotonic clock (microseconds), to cut its CPU profile. */
  readonly window: readonly [number, number];
}

/** What one measurement of one round gave. */
export interface MeasurementResult {
  readonly ms: number;
  readonly nodes: number;
  readonly perHop: readonly number[] | undefined;
  /** Latency quantiles of the requests in ms (request/reply latency and HTTP measurements). */
  readonly latency: { readonly p50: number; readonly p99: number } | undefined;
  /** Redis memory (bytes) per 1,000 items (the stream shape's chunks). */
  readonly memoryPer1000: number | undefined;
  readonly redis: RedisDelta;
  readonly workers: readonly WorkerUse[];
  /** CPU seconds the driver (this process: executes, waits for results, adds jobs) spent on the load. */
  readonly driverCpuSeconds: number;
}

/** The results of one round, by measurement. */
export type Round = ReadonlyMap<MeasurementId, MeasurementResult>;

/** What the rounds need from the driver. */
export interface RoundsContext {
  readonly config: BenchConfig;
  readonly target: BenchTarget;
  /** The driver's connection: queues, counters, cleanup. */
  readonly redis: Redis;
  readonly pool: WorkerPool;
  /** Progress lines (stderr-like; not part of the report). */
  readonly log: (line: string) => void;
}

const runId = Date.now().toString(36);
/** The bearer token of the HTTP row's dagflow server (an operator's), new each run. */
const token = randomBytes(24).toString('hex');

/** Runs the warm-up round, then `config.rounds` measured rounds; answers the measured ones. */
export async function runRounds(ctx: RoundsContext): Promise<Round[]> {
  const selected = MEASUREMENTS.filter((m) => ctx.config.shapes.has(m.shape));
  const warmConfig: BenchConfig = {
    ...ctx.config,
    throughputNodes: Math.max(200, Math.round(ctx.config.throughputNodes / 8)),
    forEachItems: Math.max(200, Math.round(ctx.config.forEachItems / 8)),
    chainRuns: 2,
    replyRequests: Math.max(200, Math.round(ctx.config.replyRequests / 8)),
    latencyRequests: Math.max(50, Math.round(ctx.config.latencyRequests / 8)),
    httpSeconds: 1,
    idleRequests: Math.max(200, Math.round(ctx.config.idleRequests / 8)),
    streamChunks: Math.max(1_000, Math.round(ctx.config.streamChunks / 8)),
    streamLatencyChunks: Math.max(50, Math.round(ctx.config.streamLatencyChunks / 8)),
  };
  ctx.log(`warm-up round: ${selected.map((m) => m.id).join(', ')}`);
  for (const measurement of selected) await measure(ctx, measurement, warmConfig, 'w');
  const rounds: Round[] = [];
  for (let r = 0; r < ctx.config.rounds; r++) {
    const order = selected.map((_, i) => selected[(i + r) % selected.length] as Measurement);
    const round = new Map<MeasurementId, MeasurementResult>();
    for (const measurement of order) {
      const result = await measure(ctx, measurement, ctx.config, `r${r + 1}`);
      round.set(measurement.id, result);
      ctx.log(
        `round ${r + 1}/${ctx.config.rounds} ${measurement.id}: ${Math.round(result.ms)} ms, ${result.nodes} nodes`,
      );
    }
    rounds.push(round);
  }
  return rounds;
}

async function measure(
  ctx: RoundsContext,
  measurement: Measurement,
  config: BenchConfig,
  roundTag: string,
): Promise<MeasurementResult> {
  const name = `bench-${runId}-${roundTag}-${measurement.id}`;
  const dagflow = measurement.workers.some((w) => w.system === 'dagflow');
  const prefix = dagflow ? name : bullmqPrefix(name);
  const handles = measurement.workers.map((w) => ({ ...w, handle: ctx.pool.get(w.process) }));
  const primary = handles[0]?.handle;
  if (!primary) throw new Error(`measurement ${measurement.id} has no worker process`);
  const ports = await Promise.all(
    handles.map((h) =>
      h.handle.start({
        system: h.system,
        target: ctx.target,
        prefix,
        concurrency: config.concurrency,
        terminalBatch: measurement.terminalBatch(config),
        ...(h.flows === undefined ? {} : { flows: h.flows }),
        token,
      }),
    ),
  );
  const workersBefore = await Promise.all(handles.map((h) => h.handle.stats()));
  const redisBefore = await redisSnapshot(ctx.redis);
  const driverBefore = process.cpuUsage();
  const outcome = await measurement.run(
    {
      target: ctx.target,
      prefix,
      redis: ctx.redis,
      untilTerminals: (count) => primary.untilTerminals(count),
      ports,
      token,
      log: ctx.log,
    },
    config,
  );
  const driverCpu = process.cpuUsage(driverBefore);
  const redisAfter = await redisSnapshot(ctx.redis);
  const workersAfter = await Promise.all(handles.map((h) => h.handle.stats()));
  await Promise.all(handles.map((h) => h.handle.stop()));
  await deleteKeys(ctx.redis, `${prefix}:`);
  return {
    ms: outcome.ms,
    nodes: outcome.nodes ?? measurement.nodes(config),
    perHop: outcome.perHop,
    latency: outcome.latency,
    memoryPer1000: outcome.memoryPer1000,
    redis: redisDelta(redisBefore, redisAfter),
    driverCpuSeconds: (driverCpu.user + driverCpu.system) / 1e6,
    workers: handles.map((h, i) => ({
      process: h.process,
      cpuSeconds: ((workersAfter[i]?.cpuMicros ?? 0) - (workersBefore[i]?.cpuMicros ?? 0)) / 1e6,
      peakRssBytes: workersAfter[i]?.peakRssBytes ?? 0,
      window: [workersBefore[i]?.atMicros ?? 0, workersAfter[i]?.atMicros ?? 0],
    })),
  };
}
