/**
 * The T3-6 rows of the report: chunk throughput from one node to one reader, emit-to-reader latency
 * and Redis memory per 1,000 chunks (medians over the rounds, PASS or MISS against T3-6's targets).
 */
import type { MeasurementResult, Round } from '../rounds.js';
import { type Row, fmt, rate } from './rows.js';
import { median } from '../stats.js';
import { CHUNK_BYTES } from '../shapes/stream-flow.js';

const row = (label: string, figure: number, unit: string, target?: string, met?: boolean): Row => ({
  label,
  figure: `${fmt(figure, unit === 'chunks/s' ? 0 : 2)} ${unit}`,
  ratio: '-',
  target: target ?? '-',
  verdict: met === undefined ? '-' : met ? 'PASS' : 'MISS',
});

/** The stream rows, when the rounds measured the stream shape. */
export function streamRows(rounds: readonly Round[]): Row[] {
  const all = (id: 'stream' | 'stream-latency'): MeasurementResult[] =>
    rounds.flatMap((round) => {
      const result = round.get(id);
      return result === undefined ? [] : [result];
    });
  const throughput = all('stream');
  const latency = all('stream-latency');
  const rows: Row[] = [];
  if (throughput.length > 0) {
    const perSecond = median(throughput.map(rate));
    rows.push(
      row(
        `ctx.emit to one FlowClient.stream reader, ${CHUNK_BYTES}-byte chunks, one node`,
        perSecond,
        'chunks/s',
        '>= 50,000 chunks/s',
        perSecond >= 50_000,
      ),
      row(
        'CPU per 1,000 chunks: the worker process that emits (and the driver that reads)',
        median(throughput.map((m) => ((m.workers[0]?.cpuSeconds ?? Number.NaN) / m.nodes) * 1e6)),
        `ms (driver ${fmt(median(throughput.map((m) => (m.driverCpuSeconds / m.nodes) * 1e6)), 2)} ms)`,
      ),
      row(
        'Redis memory per 1,000 chunks (used_memory after the stream, over before)',
        median(throughput.map((m) => (m.memoryPer1000 ?? Number.NaN) / 1024)),
        'KiB',
      ),
    );
  }
  if (latency.length > 0) {
    const p50 = median(latency.map((m) => m.latency?.p50 ?? Number.NaN));
    const p99 = median(latency.map((m) => m.latency?.p99 ?? Number.NaN));
    rows.push(
      row('emit-to-reader latency, one chunk every 2 ms, p50', p50, 'ms', '<= 2 ms', p50 <= 2),
      row('emit-to-reader latency, one chunk every 2 ms, p99', p99, 'ms'),
    );
  }
  return rows;
}
