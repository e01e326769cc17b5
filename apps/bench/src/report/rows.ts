/**
 * The report's rows, computed from the rounds: each row's figure is the median over the rounds, its
 * ratio the median of the per-round ratios (with their range), and its verdict PASS or MISS against
 * the T2-7 target where there is one.
 */
import type { MeasurementId } from '../measurements.js';
import type { MeasurementResult, Round } from '../rounds.js';
import { median, quantile } from '../stats.js';

/** One line of the report table. */
export interface Row {
  readonly label: string;
  readonly figure: string;
  readonly ratio: string;
  readonly target: string;
  readonly verdict: string;
}

/** A figure of one measurement's result. */
export type Pick = (m: MeasurementResult) => number;
/** A T2-7 target: on the median ratio, or (with a `unit` such as MB) on the figure itself. */
export type Target = { readonly op: '>=' | '<='; readonly value: number; readonly unit?: string };

/** Formats `n` with thousands separators and `digits` decimals. */
export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'NaN';

export const rate: Pick = (m) => m.nodes / (m.ms / 1000);
const hopQuantile =
  (q: number): Pick =>
  (m) =>
    quantile(m.perHop ?? [], q);
export const perThousand = (value: number, m: MeasurementResult): number =>
  (value / m.nodes) * 1000;
const workerCpu: Pick = (m) => perThousand(m.workers[0]?.cpuSeconds ?? Number.NaN, m);
const redisCpu: Pick = (m) => perThousand(m.redis.cpuSeconds, m);
const driverCpu: Pick = (m) => perThousand(m.driverCpuSeconds, m);
/** What the machine spent per 1,000 nodes: the driver, every worker process and Redis. */
export const totalCpu: Pick = (m) =>
  perThousand(
    m.driverCpuSeconds +
      m.redis.cpuSeconds +
      m.workers.reduce((sum, worker) => sum + worker.cpuSeconds, 0),
    m,
  );
const commandsPerNode: Pick = (m) => m.redis.commands / m.nodes;
const scriptsPerNode: Pick = (m) => m.redis.scripts / m.nodes;
const peakRssMb: Pick = (m) => (m.workers[0]?.peakRssBytes ?? Number.NaN) / 2 ** 20;
/** Builds rows for the measurements the rounds hold; rows whose inputs were not measured are left out. */
export function buildRows(rounds: readonly Round[]): Row[] {
  const has = (...ids: MeasurementId[]): boolean =>
    rounds.length > 0 && ids.every((id) => rounds.every((round) => round.has(id)));
  const values = (id: MeasurementId, pick: Pick): number[] =>
    rounds.map((round) => pick(round.get(id) as MeasurementResult));
  const ratios = (id: MeasurementId, ref: MeasurementId, pick: Pick): number[] =>
    rounds.map(
      (round) =>
        pick(round.get(id) as MeasurementResult) / pick(round.get(ref) as MeasurementResult),
    );
  const ratioText = (series: number[]): string =>
    `${fmt(median(series), 2)}x (${fmt(Math.min(...series), 2)}-${fmt(Math.max(...series), 2)})`;
  const verdict = (value: number, target: Target | undefined): [string, string] => {
    if (!target) return ['-', '-'];
    const met = target.op === '>=' ? value >= target.value : value <= target.value;
    return [`${target.op} ${fmt(target.value, 2)}${target.unit ?? 'x'}`, met ? 'PASS' : 'MISS'];
  };
  const rows: Row[] = [];
  const push = (label: string, figure: string, series: number[], target?: Target): void => {
    const [targetText, result] = verdict(median(series), target);
    rows.push({ label, figure, ratio: ratioText(series), target: targetText, verdict: result });
  };
  const reference = (label: string, figure: string): void => {
    rows.push({ label, figure, ratio: '1.00x', target: 'reference', verdict: '-' });
  };
  const nodesPerSec = (id: MeasurementId): string => `${fmt(median(values(id, rate)))} nodes/s`;

  // Throughput (shapes 1-6).
  if (has('raw')) reference('raw BullMQ no-op jobs', `${fmt(median(values('raw', rate)))} jobs/s`);
  if (has('flow-producer', 'raw'))
    push(
      'FlowProducer 1+3 trees (vs raw)',
      nodesPerSec('flow-producer'),
      ratios('flow-producer', 'raw', rate),
    );
  if (has('hand-diamond', 'raw'))
    push(
      'hand-written diamond (vs raw)',
      nodesPerSec('hand-diamond'),
      ratios('hand-diamond', 'raw', rate),
    );
  if (has('fanin', 'flow-producer'))
    push(
      'dagflow fan-in 3->1 (vs FlowProducer)',
      nodesPerSec('fanin'),
      ratios('fanin', 'flow-producer', rate),
      { op: '>=', value: 1.2 },
    );
  if (has('diamond', 'hand-diamond'))
    push(
      'dagflow diamond (vs hand diamond)',
      nodesPerSec('diamond'),
      ratios('diamond', 'hand-diamond', rate),
      { op: '>=', value: 1.1 },
    );
  if (has('diamond', 'raw'))
    push('dagflow diamond (vs raw)', nodesPerSec('diamond'), ratios('diamond', 'raw', rate), {
      op: '>=',
      value: 0.8,
    });
  if (has('single', 'raw'))
    push(
      'dagflow 1-node requests (vs raw)',
      `${fmt(median(values('single', rate)))} requests/s`,
      ratios('single', 'raw', rate),
      { op: '>=', value: 0.75 },
    );

  // For-each (7) and chain latency (8).
  if (has('foreach-raw', 'foreach')) {
    const ms = (id: MeasurementId): string => `${fmt(median(values(id, (m) => m.ms)))} ms`;
    reference('raw BullMQ: add + process the items', ms('foreach-raw'));
    push(
      'dagflow for-each (time vs raw)',
      ms('foreach'),
      ratios('foreach', 'foreach-raw', (m) => m.ms),
      { op: '<=', value: 1.2 },
    );
  }
  if (has('chain-raw', 'chain')) {
    const hop = (id: MeasurementId): string =>
      `median ${fmt(median(values(id, hopQuantile(0.5))), 2)} ms, p99 ${fmt(median(values(id, hopQuantile(0.99))), 2)} ms`;
    reference('raw chain, per hop', hop('chain-raw'));
    push(
      'dagflow 50-node chain, per hop median',
      hop('chain'),
      ratios('chain', 'chain-raw', hopQuantile(0.5)),
      { op: '<=', value: 1.2 },
    );
    push(
      'dagflow 50-node chain, per hop p99',
      hop('chain'),
      ratios('chain', 'chain-raw', hopQuantile(0.99)),
      { op: '<=', value: 1.2 },
    );
  }

  // Resources (9): memory and CPU under the diamond load, CPU of raw, FlowProducer and hand diamond beside it.
  if (has('diamond', 'hand-diamond')) {
    const peaks = values('diamond', peakRssMb);
    const [label, figure] = [
      'dagflow worker peak RSS, diamond (vs hand)',
      `${fmt(Math.max(...peaks))} MB`,
    ];
    const [targetText, result] = verdict(Math.max(...peaks), { op: '<=', value: 150, unit: ' MB' });
    rows.push({
      label,
      figure,
      ratio: ratioText(ratios('diamond', 'hand-diamond', peakRssMb)),
      target: targetText,
      verdict: result,
    });
  }
  const cpuShapes: [MeasurementId, string][] = [
    ['raw', 'raw BullMQ'],
    ['flow-producer', 'FlowProducer'],
    ['hand-diamond', 'hand diamond'],
    ['fanin', 'dagflow fan-in'],
    ['diamond', 'dagflow diamond'],
    ['single', 'dagflow 1-node'],
  ];
  for (const [what, pick] of [
    ['worker', workerCpu],
    ['Redis', redisCpu],
    ['driver', driverCpu],
    ['total', totalCpu],
  ] as const)
    for (const [id, name] of cpuShapes)
      if (has(id, 'raw'))
        push(
          `${what} CPU per 1,000 nodes: ${name} (vs raw)`,
          `${fmt(median(values(id, pick)), 3)} s`,
          ratios(id, 'raw', pick),
        );

  // Redis commands and script calls per node (10), against each shape's BullMQ reference.
  const commandShapes: [MeasurementId, MeasurementId, string][] = [
    ['raw', 'raw', 'raw BullMQ'],
    ['flow-producer', 'raw', 'FlowProducer'],
    ['hand-diamond', 'raw', 'hand diamond'],
    ['fanin', 'raw', 'dagflow fan-in'],
    ['diamond', 'raw', 'dagflow diamond'],
    ['single', 'raw', 'dagflow 1-node'],
    ['foreach-raw', 'foreach-raw', 'raw for-each jobs'],
    ['foreach', 'foreach-raw', 'dagflow for-each'],
    ['chain-raw', 'chain-raw', 'raw chain'],
    ['chain', 'chain-raw', 'dagflow chain'],
  ];
  for (const [id, ref, name] of commandShapes)
    if (has(id, ref))
      push(
        `Redis commands per node: ${name} (vs ${ref})`,
        `${fmt(median(values(id, commandsPerNode)), 1)} (${fmt(median(values(id, scriptsPerNode)), 2)} script calls)`,
        ratios(id, ref, commandsPerNode),
      );

  // Two dagflow worker processes against one (11).
  if (has('two-workers', 'diamond')) {
    const cpuOf =
      (i: number): Pick =>
      (m) =>
        perThousand(m.workers[i]?.cpuSeconds ?? Number.NaN, m);
    reference(
      'dagflow diamond, 1 worker process',
      `${nodesPerSec('diamond')}; CPU ${fmt(median(values('diamond', cpuOf(0))), 3)} s/1k nodes`,
    );
    push(
      'dagflow diamond, 2 worker processes (vs 1)',
      `${nodesPerSec('two-workers')}; CPU ${fmt(median(values('two-workers', cpuOf(0))), 3)} + ${fmt(median(values('two-workers', cpuOf(1))), 3)} s/1k nodes`,
      ratios('two-workers', 'diamond', rate),
    );
  }
  return rows;
}
