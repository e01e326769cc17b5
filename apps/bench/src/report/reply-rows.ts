/**
 * The T3-4 rows of the report: request/reply against BullMQ, HTTP against an express route, idle
 * processes (medians over the rounds, ratios with their range, PASS or MISS against T3-4's targets).
 */
import type { MeasurementId } from '../measurements.js';
import type { MeasurementResult, Round } from '../rounds.js';
import { type Pick, type Row, type Target, fmt, perThousand, rate, totalCpu } from './rows.js';
import { median } from '../stats.js';

/** A T3-4 target: on the median ratio, or (with `figure`, the median figure, and its `unit`) on the figure. */
type RowTarget = Target & { readonly figure?: number };

const p50: Pick = (m) => m.latency?.p50 ?? Number.NaN;
const p99: Pick = (m) => m.latency?.p99 ?? Number.NaN;
/** CPU per 1,000 requests of the measurement's processes after the first (the idle ones), added up. */
const idleCpu: Pick = (m) =>
  perThousand(
    m.workers.slice(1).reduce((sum, worker) => sum + worker.cpuSeconds, 0),
    m,
  );

/** The T3-4 rows: request/reply against BullMQ, HTTP against an express route, idle processes. */
export function requestReplyRows(rounds: readonly Round[]): Row[] {
  const has = (...ids: MeasurementId[]): boolean =>
    rounds.length > 0 && ids.every((id) => rounds.every((round) => round.has(id)));
  const get = (round: Round, id: MeasurementId): MeasurementResult =>
    round.get(id) as MeasurementResult;
  const values = (id: MeasurementId, pick: Pick): number[] =>
    rounds.map((round) => pick(get(round, id)));
  const ratios = (id: MeasurementId, ref: MeasurementId, pick: Pick, refPick = pick): number[] =>
    rounds.map((round) => pick(get(round, id)) / refPick(get(round, ref)));
  const rows: Row[] = [];
  const push = (label: string, figure: string, series: number[], target?: RowTarget): void => {
    const value = target?.figure ?? median(series);
    const met =
      target === undefined
        ? undefined
        : target.op === '>='
          ? value >= target.value
          : value <= target.value;
    rows.push({
      label,
      figure,
      ratio: `${fmt(median(series), 2)}x (${fmt(Math.min(...series), 2)}-${fmt(Math.max(...series), 2)})`,
      target: target ? `${target.op} ${fmt(target.value, 2)}${target.unit ?? 'x'}` : '-',
      verdict: met === undefined ? '-' : met ? 'PASS' : 'MISS',
    });
  };
  const reference = (label: string, figure: string): void => {
    rows.push({ label, figure, ratio: '1.00x', target: 'reference', verdict: '-' });
  };
  const perSec = (id: MeasurementId, unit: string): string =>
    `${fmt(median(values(id, rate)))} ${unit}`;
  const ms = (id: MeasurementId, pick: Pick): string => `${fmt(median(values(id, pick)), 2)} ms`;
  const quantiles = (id: MeasurementId): string => `p50 ${ms(id, p50)}, p99 ${ms(id, p99)}`;

  if (has('reply', 'reply-bullmq')) {
    reference(
      'BullMQ add + waitUntilFinished, 250 in flight',
      perSec('reply-bullmq', 'requests/s'),
    );
    push(
      'dagflow execute + waitForResult, 250 in flight (vs BullMQ)',
      perSec('reply', 'requests/s'),
      ratios('reply', 'reply-bullmq', rate),
      { op: '>=', value: 1 },
    );
  }
  if (has('latency', 'latency-bullmq')) {
    reference('BullMQ add + waitUntilFinished, one at a time', quantiles('latency-bullmq'));
    push(
      'dagflow request/reply one at a time, p50 (vs BullMQ)',
      ms('latency', p50),
      ratios('latency', 'latency-bullmq', p50),
      { op: '<=', value: 1 },
    );
    push(
      'dagflow request/reply one at a time, p99 (vs BullMQ)',
      ms('latency', p99),
      ratios('latency', 'latency-bullmq', p99),
      { op: '<=', value: 1.2 },
    );
  }
  if (has('http', 'http-express')) {
    reference(
      'express route over BullMQ, POST /flow/one?wait=5, 50 connections',
      `${perSec('http-express', 'req/s')}; ${quantiles('http-express')}`,
    );
    push(
      'dagflow server, POST /flow/one?wait=5 (vs express)',
      perSec('http', 'req/s'),
      ratios('http', 'http-express', rate),
      { op: '>=', value: 1 },
    );
    push('dagflow server, p50 (vs express)', ms('http', p50), ratios('http', 'http-express', p50), {
      op: '<=',
      value: 1.2,
    });
    push('dagflow server, p99 (vs express)', ms('http', p99), ratios('http', 'http-express', p99));
    const serverCpu: Pick = (m) => perThousand(m.workers[0]?.cpuSeconds ?? Number.NaN, m);
    const workerCpuOf: Pick = (m) => perThousand(m.workers[1]?.cpuSeconds ?? Number.NaN, m);
    push(
      'HTTP server process CPU per 1,000 requests: dagflow (vs express)',
      `${fmt(median(values('http', serverCpu)), 3)} s (express ${fmt(median(values('http-express', serverCpu)), 3)} s)`,
      ratios('http', 'http-express', serverCpu),
    );
    push(
      'HTTP worker process CPU per 1,000 requests: dagflow (vs BullMQ)',
      `${fmt(median(values('http', workerCpuOf)), 3)} s (BullMQ ${fmt(median(values('http-express', workerCpuOf)), 3)} s)`,
      ratios('http', 'http-express', workerCpuOf),
    );
  }
  if (has('idle-0', 'idle-k')) {
    const k = Math.min(...rounds.map((round) => get(round, 'idle-k').workers.length - 1));
    reference(
      'dagflow 1-node requests, 250 in flight, K = 0 idle processes',
      perSec('idle-0', 'requests/s'),
    );
    push(
      `dagflow 1-node requests, K = ${k} idle processes (vs K = 0)`,
      perSec('idle-k', 'requests/s'),
      ratios('idle-k', 'idle-0', rate),
      { op: '>=', value: 0.9 },
    );
    const idle = median(values('idle-k', idleCpu));
    const each = rounds.flatMap((round) =>
      get(round, 'idle-k')
        .workers.slice(1)
        .map((w) => perThousand(w.cpuSeconds, get(round, 'idle-k'))),
    );
    push(
      `CPU of the K = ${k} idle processes per 1,000 requests (vs all CPU per 1,000 at K = 0)`,
      `${fmt(idle, 3)} s (each ${fmt(Math.min(...each), 3)}-${fmt(Math.max(...each), 3)} s)`,
      ratios('idle-k', 'idle-0', idleCpu, totalCpu),
      { op: '<=', value: 0.01, unit: ' s', figure: idle },
    );
  }
  return rows;
}
