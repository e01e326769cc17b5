/** The bench's switches, read from the environment once. */

/** Shapes `BENCH_ONLY` can name (comma-separated); each pulls in the shapes its ratios need. */
export const SHAPES = [
  'raw',
  'flow-producer',
  'hand-diamond',
  'fanin',
  'diamond',
  'single',
  'foreach',
  'chain',
  'two-workers',
  'reply',
  'http',
  'idle',
  'stream',
  'fair',
] as const;

/** One of {@link SHAPES}. */
export type ShapeName = (typeof SHAPES)[number];

/** The shapes each shape's ratios are taken against. */
const NEEDS: Record<ShapeName, readonly ShapeName[]> = {
  raw: [],
  'flow-producer': ['raw'],
  'hand-diamond': ['raw'],
  fanin: ['flow-producer'],
  diamond: ['hand-diamond', 'raw'],
  single: ['raw'],
  foreach: [],
  chain: [],
  'two-workers': ['diamond'],
  reply: [],
  http: [],
  idle: [],
  stream: [],
  fair: [],
};

/** Sizes, rounds and switches of one run. */
export interface BenchConfig {
  readonly rounds: number;
  readonly quick: boolean;
  readonly shapes: ReadonlySet<ShapeName>;
  /** Nodes per throughput shape (jobs for raw BullMQ). */
  readonly throughputNodes: number;
  readonly forEachItems: number;
  readonly chainRuns: number;
  readonly concurrency: number;
  /** Request/reply rows: requests of the throughput load (`replyInFlight` outstanding at a time). */
  readonly replyRequests: number;
  readonly replyInFlight: number;
  /** Request/reply rows: requests sent one at a time, for the latency quantiles. */
  readonly latencyRequests: number;
  /** HTTP row: seconds of each autocannon load, and its connections. */
  readonly httpSeconds: number;
  readonly httpConnections: number;
  /** Idle-process row: requests of each load, and the idle processes beside the worker (K). */
  readonly idleRequests: number;
  readonly idleProcesses: number;
  /** Stream rows: chunks of the throughput load (one node, one reader), and of the paced latency load. */
  readonly streamChunks: number;
  readonly streamLatencyChunks: number;
  /** `BENCH_PROFILE`: folder for the CPU profiles of the dagflow worker processes and the driver. */
  readonly profileDir: string | undefined;
  /** `BENCH_REDIS_URL`: use this Redis instead of a private one. */
  readonly redisUrl: string | undefined;
  /** `BENCH_CLUSTER=1`: the dagflow diamond on one Redis and on a 3-master Redis Cluster instead. */
  readonly cluster: boolean;
}

/**
 * Reads `BENCH_QUICK`, `BENCH_LONG`, `BENCH_ROUNDS`, `BENCH_ONLY`, `BENCH_PROFILE`, `BENCH_REDIS_URL`
 * and `BENCH_CLUSTER`. `BENCH_LONG=1` makes the request/reply, HTTP and idle-process loads 3x longer.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env['BENCH_QUICK'] === '1';
  const long = !quick && env['BENCH_LONG'] === '1' ? 3 : 1;
  const rounds = Number(env['BENCH_ROUNDS'] ?? (quick ? 1 : 4));
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`BENCH_ROUNDS must be a positive integer, not ${env['BENCH_ROUNDS']}`);
  return {
    rounds,
    quick,
    shapes: selectShapes(env['BENCH_ONLY']),
    throughputNodes: quick ? 400 : 8_000,
    forEachItems: quick ? 500 : 10_000,
    chainRuns: quick ? 3 : 20,
    concurrency: 50,
    replyRequests: (quick ? 400 : 8_000) * long,
    replyInFlight: 250,
    latencyRequests: (quick ? 100 : 1_000) * long,
    httpSeconds: (quick ? 1 : 4) * long,
    httpConnections: 50,
    idleRequests: (quick ? 400 : 8_000) * long,
    idleProcesses: 6,
    streamChunks: (quick ? 10_000 : 100_000) * long,
    streamLatencyChunks: (quick ? 200 : 1_000) * long,
    profileDir: env['BENCH_PROFILE'] || undefined,
    redisUrl: env['BENCH_REDIS_URL'] || undefined,
    cluster: env['BENCH_CLUSTER'] === '1',
  };
}

function selectShapes(only: string | undefined): ReadonlySet<ShapeName> {
  if (!only) return new Set(SHAPES);
  const selected = new Set<ShapeName>();
  const add = (name: ShapeName): void => {
    if (selected.has(name)) return;
    selected.add(name);
    for (const needed of NEEDS[name]) add(needed);
  };
  for (const name of only.split(',').map((s) => s.trim())) {
    if (!(SHAPES as readonly string[]).includes(name))
      throw new Error(`BENCH_ONLY: unknown shape "${name}"; known: ${SHAPES.join(', ')}`);
    add(name as ShapeName);
  }
  return selected;
}
