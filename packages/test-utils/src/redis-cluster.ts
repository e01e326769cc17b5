import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { askServer, answersPing } from './server-probe.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

/** One redis-server of a {@link RedisCluster}. */
export interface ClusterNode {
  readonly host: string;
  readonly port: number;
  /** Whether this process was killed by {@link RedisCluster.kill}. */
  readonly killed: boolean;
}

/** A private Redis Cluster on free ports; never the shared Redis on 6379. */
export interface RedisCluster {
  /** Every node started, masters first (as `redis-cli --cluster create` was given them). */
  readonly nodes: readonly ClusterNode[];
  /** The seeds as `REDIS_CLUSTER_NODES` takes them: `host:port,...`. */
  readonly seeds: string;
  /** The nodes that are masters now, with the slot ranges they serve (asked of a live node). */
  masters(): Promise<{ readonly port: number; readonly slots: readonly [number, number][] }[]>;
  /** Kills one node's process (SIGKILL), as a crash would; waits for its exit. */
  kill(port: number): Promise<void>;
  /** Kills every node and removes the temporary folder. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartClusterOptions {
  /** @defaultValue 3 */
  readonly masters?: number;
  /** Replicas per master (a failover needs one). @defaultValue 0 */
  readonly replicas?: number;
  /** How long a master may be unreachable before its replica takes over. @defaultValue 2000 */
  readonly nodeTimeoutMs?: number;
}

/**
 * Starts `masters * (1 + replicas)` redis-servers with `cluster-enabled yes` (data and cluster bus on
 * free ports, files in a temporary folder), joins them with `redis-cli --cluster create`, and waits
 * until every node sees the cluster as `ok`.
 */
export async function startRedisCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'dagflow-cluster-'));
  const children = new Map<number, ChildProcess>();
  const nodes: { host: string; port: number; killed: boolean }[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all([...children.values()].map((child) => exitOf(child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await distinctFreePort(taken);
      const busPort = await distinctFreePort(taken);
      children.set(port, launchNode({ port, busPort, dir, nodeTimeoutMs: options.nodeTimeoutMs }));
      nodes.push({ host: '127.0.0.1', port, killed: false });
    }
    await Promise.all(
      nodes.map(({ port }) =>
        waitFor(() => answersPing(port), {
          timeoutMs: 30_000,
          message: `cluster node ${port} did not start`,
        }),
      ),
    );
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map(({ host, port }) => `${host}:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await Promise.all(
      nodes.map(({ port }) =>
        waitFor(() => clusterOk(port), {
          timeoutMs: 30_000,
          message: `cluster node ${port} did not reach cluster_state:ok`,
        }),
      ),
    );
    await Promise.all(
      nodes.map(({ port }) =>
        waitFor(() => replicaSynced(port), {
          timeoutMs: 30_000,
          message: `cluster replica ${port} did not finish its first sync`,
        }),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    seeds: nodes.map(({ host, port }) => `${host}:${port}`).join(','),
    async masters() {
      const live = nodes.find((node) => !node.killed);
      return live === undefined ? [] : clusterMasters(live.port);
    },
    async kill(port) {
      const child = children.get(port);
      const node = nodes.find((candidate) => candidate.port === port);
      if (child === undefined || node === undefined) throw new Error(`no cluster node on ${port}`);
      node.killed = true;
      await exitOf(child, 'SIGKILL');
    },
    stop,
  };
}

/** A free port not handed out yet in this cluster (a port just closed may be offered again). */
async function distinctFreePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

function launchNode(options: {
  port: number;
  busPort: number;
  dir: string;
  nodeTimeoutMs: number | undefined;
}): ChildProcess {
  const { port, busPort, dir } = options;
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(busPort),
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      String(options.nodeTimeoutMs ?? 2_000),
      '--dir',
      dir,
      '--logfile',
      `redis-${port}.log`,
      // Replicas sync at once: a replica that never synced cannot take over its master.
      '--repl-diskless-sync-delay',
      '0',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  child.unref();
  return child;
}

async function clusterOk(port: number): Promise<boolean> {
  const info = await askServer(port, (redis) => redis.cluster('INFO'));
  return info?.includes('cluster_state:ok') === true;
}

/** Whether the node is a master, or a replica whose link to its master is up. */
async function replicaSynced(port: number): Promise<boolean> {
  const info = (await askServer(port, (redis) => redis.info('replication'))) ?? '';
  return info.includes('role:master') || info.includes('master_link_status:up');
}

/** The masters of the cluster a node on `port` belongs to, with their slot ranges (CLUSTER SLOTS). */
export async function clusterMasters(
  port: number,
): Promise<{ port: number; slots: [number, number][] }[]> {
  const rows = (await askServer(port, (redis) => redis.cluster('SLOTS'))) ?? [];
  const byPort = new Map<number, [number, number][]>();
  for (const [from, to, master] of rows) {
    if (master === undefined) continue;
    const masterPort = master[1];
    const ranges = byPort.get(masterPort) ?? [];
    ranges.push([from, to]);
    byPort.set(masterPort, ranges);
  }
  return [...byPort].map(([masterPort, slots]) => ({ port: masterPort, slots }));
}

function exitOf(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.ref();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
