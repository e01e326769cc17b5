/**
 * The T3-8 rows of the report: the fair scheduler's cost per node, as the throughput of a fair flow
 * whose requests all share one key against the plain queue and against today's per-key concurrency
 * (one key, a limit no load reaches), measured in the same rounds (medians, PASS or MISS against
 * T3-8's targets).
 */
import type { MeasurementResult, Round } from '../rounds.js';
import { type Row, fmt, rate } from './rows.js';
import { median } from '../stats.js';

/** The fair rows, when the rounds measured the fair shape. */
export function fairRows(rounds: readonly Round[]): Row[] {
  const all = (id: 'fair-plain' | 'fair' | 'fair-keyed'): MeasurementResult[] =>
    rounds.flatMap((round) => {
      const result = round.get(id);
      return result === undefined ? [] : [result];
    });
  const plain = all('fair-plain');
  const fair = all('fair');
  const keyed = all('fair-keyed');
  if (plain.length === 0 || fair.length === 0 || keyed.length === 0) return [];
  const perSecond = (results: readonly MeasurementResult[]): number => median(results.map(rate));
  const [p, f, k] = [perSecond(plain), perSecond(fair), perSecond(keyed)];
  const figure = (n: number): string => `${fmt(n)} nodes/s`;
  return [
    {
      label: '1-node requests, plain queue',
      figure: figure(p),
      ratio: '-',
      target: '-',
      verdict: '-',
    },
    {
      label: '1-node requests, fairness with one key, against the plain queue',
      figure: figure(f),
      ratio: `${fmt(f / p, 2)}x`,
      target: '>= 0.85x',
      verdict: f / p >= 0.85 ? 'PASS' : 'MISS',
    },
    {
      label: '1-node requests, fairness with one key, against a concurrency key (one key)',
      figure: `${figure(k)} keyed`,
      ratio: `${fmt(f / k, 2)}x`,
      target: '>= 1.00x',
      verdict: f / k >= 1 ? 'PASS' : 'MISS',
    },
  ];
}
