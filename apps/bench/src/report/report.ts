/** Prints the report: the rows as a Markdown table, and the top Redis commands of the diamond vs raw. */
import type { MeasurementResult, Round } from '../rounds.js';
import { type Row, fmt } from './rows.js';
import { median } from '../stats.js';

/** Renders `rows` as a Markdown table with padded columns. */
export function rowsTable(rows: readonly Row[]): string[] {
  const header: Row = {
    label: 'row',
    figure: 'figure (median)',
    ratio: 'ratio (median, range)',
    target: 'target',
    verdict: 'verdict',
  };
  const cells = [header, ...rows].map((r) => [r.label, r.figure, r.ratio, r.target, r.verdict]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string =>
    `| ${c.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head ?? []), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/**
 * The `count` commands the dagflow diamond calls most per node (medians over the rounds), beside raw
 * BullMQ's calls per job of the same commands; empty unless both were measured.
 */
export function topCommandsTable(rounds: readonly Round[], count = 12): string[] {
  if (!rounds.every((round) => round.has('diamond') && round.has('raw'))) return [];
  const perNode = (
    pick: (round: Round) => MeasurementResult | undefined,
    command: string,
  ): number =>
    median(
      rounds.map((round) => {
        const m = pick(round);
        return m ? (m.redis.calls.get(command) ?? 0) / m.nodes : 0;
      }),
    );
  const diamond = (round: Round): MeasurementResult | undefined => round.get('diamond');
  const raw = (round: Round): MeasurementResult | undefined => round.get('raw');
  const names = new Set(
    rounds.flatMap((round) => [
      ...(round.get('diamond')?.redis.calls.keys() ?? []),
      ...(round.get('raw')?.redis.calls.keys() ?? []),
    ]),
  );
  const top = [...names]
    .map((name) => ({ name, dag: perNode(diamond, name), raw: perNode(raw, name) }))
    .sort((a, b) => b.dag - a.dag || b.raw - a.raw)
    .slice(0, count);
  return [
    '| command | dagflow diamond, per node | raw BullMQ, per job |',
    '| ------- | ------------------------- | ------------------- |',
    ...top.map((t) => `| ${t.name} | ${fmt(t.dag, 2)} | ${fmt(t.raw, 2)} |`),
  ];
}
