import type { FlowService } from '@dagflow/engine';
import {
  type RedisServer,
  type TcpProxy,
  type WorkerProcess,
  startRedis,
  startTcpProxy,
} from '@dagflow/test-utils';
import { registerChaosFlow } from '../fixtures/chaos-flow.mjs';
import { runLog } from '../fixtures/run-log.mjs';
import { newService, spawnFixture } from '../integration/helpers.js';
import type { ChaosConfig } from './config.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The system under test: a persistent Redis, a proxy the workers reach it through, workers, a client. */
export class ChaosCluster {
  readonly workers: WorkerProcess[] = [];
  /** Process ids of every worker started, killed ones included. */
  readonly pids: number[] = [];

  private constructor(
    readonly config: ChaosConfig,
    readonly prefix: string,
    readonly redis: RedisServer,
    readonly proxy: TcpProxy,
    /** The test's own service, connected to Redis directly (never cut). */
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
    registerChaosFlow(client, log);
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
    const worker = await spawnFixture('recorded-worker.mjs', this.prefix, {
      REDIS_URL: `redis://127.0.0.1:${this.proxy.port}`,
      RECORD_URL: this.redis.url,
      LOCK_MS: String(this.config.lockMs),
      STALLED_MS: String(this.config.stalledMs),
      WORKER_CONCURRENCY: '10',
      LOG_LEVEL: process.env['DAGFLOW_CHAOS_LOG_LEVEL'] ?? 'silent',
    });
    this.pids.push(worker.pid);
    return worker;
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
