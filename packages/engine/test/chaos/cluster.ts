import type { FlowService } from '@dagflow/engine';
import {
  type RedisServer,
  type TcpProxy,
  type WorkerProcess,
  freePort,
  startRedis,
  startTcpProxy,
} from '@dagflow/test-utils';
import { runLog } from '../fixtures/run-log.mjs';
import { newService, spawnFixture } from '../integration/helpers.js';
import type { ChaosConfig } from './config.js';
import { readCounter } from './worker-metrics.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long after its `closeMs` a worker stopped by a deploy may take to exit before it is SIGKILLed. */
const EXIT_GRACE_MS = 10_000;

/** The system under test: a persistent Redis, a proxy the workers reach it through, workers, a client. */
export class ChaosCluster {
  readonly workers: WorkerProcess[] = [];
  /** Process ids of every worker started, killed ones included. */
  readonly pids: number[] = [];
  /** The chaos flow's code version of every worker started, by process id (see `chaos-flow.mjs`). */
  readonly codeOf = new Map<number, number>();
  /** Each worker's metrics port, by process id. */
  readonly #metricsPorts = new Map<number, number>();
  /** Give-backs counted by workers before a deploy stopped them (`dagflow_step_give_backs_total`). */
  stoppedGiveBacks = 0;
  /** The code version workers started from now on run; a deploy raises it. */
  #code = 1;

  private constructor(
    readonly config: ChaosConfig,
    readonly prefix: string,
    readonly redis: RedisServer,
    readonly proxy: TcpProxy,
    /**
     * The test's own service, connected to Redis directly (never cut). It registers no code: it starts
     * requests on the flow's current version in the registry, which a deploy moves forward.
     */
    readonly client: FlowService,
    /** Reads the run log, directly. */
    readonly log: ReturnType<typeof runLog>,
  ) {}

  /** Starts Redis (AOF, fsync always), the proxy, the client and `config.workers` workers. */
  static async start(config: ChaosConfig, prefix: string): Promise<ChaosCluster> {
    const redis = await startRedis({ persistent: true });
    const proxy = await startTcpProxy(redis.port);
    const client = newService({ prefix, redisUrl: redis.url });
    const log = runLog(redis.url, prefix);
    const cluster = new ChaosCluster(config, prefix, redis, proxy, client, log);
    try {
      for (let i = 0; i < config.workers; i++) cluster.workers.push(await cluster.#spawn());
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  async #spawn(): Promise<WorkerProcess> {
    const metricsPort = await freePort();
    const worker = await spawnFixture('recorded-worker.mjs', this.prefix, {
      CHAOS_CODE: String(this.#code),
      CLOSE_MS: String(this.config.closeMs),
      METRICS_PORT: String(metricsPort),
      REDIS_URL: `redis://127.0.0.1:${this.proxy.port}`,
      RECORD_URL: this.redis.url,
      LOCK_MS: String(this.config.lockMs),
      STALLED_MS: String(this.config.stalledMs),
      WORKER_CONCURRENCY: '10',
      LOG_LEVEL: process.env['DAGFLOW_CHAOS_LOG_LEVEL'] ?? 'silent',
    });
    this.pids.push(worker.pid);
    this.codeOf.set(worker.pid, this.#code);
    this.#metricsPorts.set(worker.pid, metricsPort);
    return worker;
  }

  /** The code version workers started from now on run. */
  get code(): number {
    return this.#code;
  }

  /** Moves on to the next code version (a deploy); answers it. */
  nextCode(): number {
    this.#code += 1;
    return this.#code;
  }

  /**
   * Stops worker `index` as a deploy does: reads its give-backs so far (it takes no job once closing),
   * sends SIGTERM (it lets running nodes finish for `closeMs`) and waits for its exit; SIGKILLs it if it
   * is still up {@link EXIT_GRACE_MS} after that. Starts no replacement (see {@link startWorker}).
   * Answers whether it had to be killed.
   */
  async stopWorker(index: number): Promise<{ pid: number; forced: boolean }> {
    const victim = this.workers[index];
    if (victim === undefined) throw new Error(`no worker ${index}`);
    const port = this.#metricsPorts.get(victim.pid);
    const giveBacks =
      port === undefined
        ? 0
        : await readCounter(port, 'dagflow_step_give_backs_total').catch(() => 0);
    const limit = this.config.closeMs + EXIT_GRACE_MS;
    const exited = await Promise.race([
      victim.stop().then(() => true),
      sleep(limit).then(() => false),
    ]);
    if (!exited) await victim.kill();
    this.stoppedGiveBacks += giveBacks;
    return { pid: victim.pid, forced: !exited };
  }

  /** Starts worker `index` on the current code version; resolves once it is ready. */
  async startWorker(index: number): Promise<void> {
    this.workers[index] = await this.#spawn();
  }

  /** Give-backs counted by the workers running now (see {@link stopWorker} for stopped ones). */
  async liveGiveBacks(): Promise<number> {
    let sum = 0;
    for (const worker of this.workers) {
      const port = this.#metricsPorts.get(worker.pid);
      if (port === undefined) continue;
      sum += await readCounter(port, 'dagflow_step_give_backs_total').catch(() => 0);
    }
    return sum;
  }

  /** SIGKILLs worker `index` and starts a new one in its place; resolves once it is ready. */
  async killWorker(index: number): Promise<void> {
    const victim = this.workers[index];
    if (victim === undefined) throw new Error(`no worker ${index}`);
    await victim.kill();
    this.workers[index] = await this.#spawn();
  }

  /** Kills Redis with SIGKILL, waits `downMs` and starts it again on the same port from its AOF. */
  async restartRedis(downMs: number): Promise<void> {
    await this.redis.stop({ hard: true });
    await sleep(downMs);
    await this.redis.restart();
  }

  /** Cuts every worker connection for `ms`. */
  cut(ms: number): Promise<void> {
    return this.proxy.cut(ms);
  }

  /** Closes the log reader, the proxy and Redis (workers and the client are closed by the helpers). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.kill()));
    await this.client.close();
    this.log.redis.disconnect();
    await this.proxy.close();
    await this.redis.stop();
  }
}
