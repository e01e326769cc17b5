/**
 * `pnpm bench`: raw BullMQ and dagflow against the same private Redis in one run. Prints throughput,
 * chain latency, Redis commands per node and a 10,000-item for-each, each as a ratio to raw BullMQ.
 */
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { startRedis } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { benchService, chainHops, fanout, runRequests } from './dagflow-runs.js';
import { rawChain, rawThroughput } from './raw-bullmq.js';
import { commandCount } from './redis-stats.js';
import { quantile } from './stats.js';

const CONCURRENCY = 50;
const REQUESTS = 2_000;
const CHAIN_RUNS = 20;
const FANOUT_ITEMS = 10_000;
const FANOUT_ROUNDS = 7;
const THROUGHPUT_ROUNDS = 3;

const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const server = process.env['BENCH_REDIS_URL'] ? undefined : await startRedis();
const url = process.env['BENCH_REDIS_URL'] ?? server?.url ?? '';
const redis = new Redis(url, { maxRetriesPerRequest: null });

async function evalsAndCommands(
  work: () => Promise<void>,
): Promise<{ commands: number; scripts: number }> {
  const scripts = async (): Promise<number> => {
    const info = await redis.info('commandstats');
    return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };
  const [c0, s0] = [await commandCount(redis), await scripts()];
  await work();
  const [c1, s1] = [await commandCount(redis), await scripts()];
  return { commands: c1 - c0 - 2, scripts: s1 - s0 };
}

const rows: string[][] = [];
const row = (...cells: string[]): number => rows.push(cells);

out(`dagflow bench: Redis ${url}, worker concurrency ${CONCURRENCY}`);
// Warm-up: load scripts, JIT both paths.
await rawThroughput(redis, 2_000, CONCURRENCY);
const service = await benchService(url, CONCURRENCY);
await runRequests(service, 'diamond', 300);

out(`throughput (${THROUGHPUT_ROUNDS} rounds) ...`);
// Each round: raw BullMQ, then the 1-node flow, then the diamond; rates and ratios are the rounds' medians.
const throughput: { raw: number; single: number; diamond: number }[] = [];
for (let i = 0; i < THROUGHPUT_ROUNDS; i++) {
  const raw = (REQUESTS * 4) / ((await rawThroughput(redis, REQUESTS * 4, CONCURRENCY)) / 1000);
  const single = REQUESTS / ((await runRequests(service, 'single', REQUESTS)) / 1000);
  const diamond = (REQUESTS * 4) / ((await runRequests(service, 'diamond', REQUESTS)) / 1000);
  throughput.push({ raw, single, diamond });
}
const medianOf = (pick: (round: (typeof throughput)[number]) => number): number =>
  quantile(throughput.map(pick), 0.5);
const rawJobsPerSec = medianOf((round) => round.raw);
const singleRatio = medianOf((round) => round.single / round.raw);
const diamondRatio = medianOf((round) => round.diamond / round.raw);
row('raw BullMQ no-op jobs', `${fmt(rawJobsPerSec)} jobs/s`, '1.00x', '');
row(
  '1-node flow, 2,000 requests',
  `${fmt(medianOf((round) => round.single))} nodes/s`,
  `${fmt(singleRatio, 2)}x`,
  '',
);
row(
  '4-node diamond, 2,000 requests',
  `${fmt(medianOf((round) => round.diamond))} nodes/s`,
  `${fmt(diamondRatio, 2)}x`,
  diamondRatio >= 0.6 ? 'PASS (>= 0.6x)' : 'MISS (>= 0.6x)',
);

out('chain latency ...');
const rawHops = await rawChain(redis, 50, CHAIN_RUNS);
const dagHops = await chainHops(service, CHAIN_RUNS);
const [rawMedian, rawP99, dagMedian, dagP99] = [
  quantile(rawHops, 0.5),
  quantile(rawHops, 0.99),
  quantile(dagHops, 0.5),
  quantile(dagHops, 0.99),
];
row('raw chain, per hop', `median ${fmt(rawMedian, 2)} ms, p99 ${fmt(rawP99, 2)} ms`, '1.00x', '');
row(
  'dagflow 50-node chain, per hop',
  `median ${fmt(dagMedian, 2)} ms, p99 ${fmt(dagP99, 2)} ms`,
  `${fmt(dagMedian / rawMedian, 2)}x`,
  dagMedian / rawMedian <= 1.5 ? 'PASS (<= 1.5x)' : 'MISS (<= 1.5x)',
);

out('Redis commands ...');
const raw = await evalsAndCommands(
  async () => void (await rawThroughput(redis, 2_000, CONCURRENCY)),
);
const dag = await evalsAndCommands(async () => void (await runRequests(service, 'diamond', 500)));
const [rawPerJob, dagPerNode] = [raw.commands / 2_000, dag.commands / 2_000];
const [rawScripts, dagScripts] = [raw.scripts / 2_000, dag.scripts / 2_000];
row(
  'raw BullMQ commands per job',
  `${fmt(rawPerJob, 1)} (${fmt(rawScripts, 2)} script calls)`,
  '',
  '',
);
row(
  'dagflow commands per node (diamond)',
  `${fmt(dagPerNode, 1)} (${fmt(dagScripts, 2)} script calls)`,
  `+${fmt(dagPerNode - rawPerJob, 1)}`,
  dagPerNode - rawPerJob <= 12 ? 'PASS (<= +12)' : 'MISS (<= +12)',
);
row(
  'extra round trips per node',
  `${fmt(dagScripts - rawScripts, 2)} script calls`,
  '',
  dagScripts - rawScripts <= 2.05 ? 'PASS (<= 2)' : 'MISS (<= 2)',
);

out(`for-each of 10,000 items (${FANOUT_ROUNDS} rounds) ...`);
// Each round measures raw BullMQ, then dagflow; the ratio is the median of the rounds' ratios, so that
// one noisy round (2 shared cores) does not decide it.
const fanRounds: { raw: number; dag: number }[] = [];
for (let i = 0; i < FANOUT_ROUNDS; i++) {
  const rawRound = await rawThroughput(redis, FANOUT_ITEMS, CONCURRENCY);
  fanRounds.push({ raw: rawRound, dag: await fanout(service, FANOUT_ITEMS) });
}
const fanRatios = fanRounds.map((round) => round.dag / round.raw);
const fanRatio = quantile(fanRatios, 0.5);
row(
  'raw BullMQ: add + process 10,000 jobs',
  `median ${fmt(
    quantile(
      fanRounds.map((round) => round.raw),
      0.5,
    ),
  )} ms`,
  '1.00x',
  '',
);
row(
  'dagflow for-each of 10,000 items',
  `median ${fmt(
    quantile(
      fanRounds.map((round) => round.dag),
      0.5,
    ),
  )} ms`,
  `${fmt(fanRatio, 2)}x (rounds ${fmt(Math.min(...fanRatios), 2)}-${fmt(Math.max(...fanRatios), 2)})`,
  fanRatio <= 1.5 ? 'PASS (<= 1.5x)' : 'MISS (<= 1.5x)',
);

await service.close();
const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
await redis.quit();
await server?.stop();

const require = createRequire(import.meta.url);
const bullmqVersion = (require('bullmq/package.json') as { version: string }).version;
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
out();
out(
  `machine: ${cpus()[0]?.model ?? '?'} x ${cpus().length}, Node ${process.version}, Redis ${redisVersion}, BullMQ ${bullmqVersion}`,
);
out();
for (const r of rows)
  out(
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
