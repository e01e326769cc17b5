import type { RunEvent } from '../fixtures/run-log.mjs';
import type { ChaosConfig } from './config.js';
import type { DeployStats } from './deploy-checks.js';
import { type RequestFacts, type Violation, repeatsOf } from './invariants.js';
import type { Recovery } from './recovery.js';
import type { Timeline } from './timeline.js';

/** The summary table and the violations of one run, as printable text. */
export function report(options: {
  config: ChaosConfig;
  timeline: Timeline;
  facts: readonly RequestFacts[];
  runs: readonly RunEvent[];
  recoveries: readonly Recovery[];
  violations: readonly Violation[];
  deploys: DeployStats;
  /** `dagflow_step_give_backs_total` summed over the workers (read before each deploy's stop, and at the end). */
  giveBacks: number;
  elapsedMs: number;
}): string {
  const { config, timeline, facts, runs, recoveries, violations } = options;
  const count = (kind: string) => timeline.faults.filter((f) => f.kind === kind).length;
  const chaosCommands = timeline.commands.filter((c) => c.drive !== true);
  const driveCommands = timeline.commands.filter((c) => c.drive === true);
  const repeats = facts.flatMap(repeatsOf).reduce((sum, r) => sum + r.runs.length - 1, 0);
  const maxRecovery = Math.max(0, ...recoveries.map((r) => r.maxMs));
  const rows: [string, string | number][] = [
    ['seed', config.seed],
    [
      'chaos phase',
      `${config.chaosMs} ms, ${config.workers} workers, lock ${config.lockMs} ms, stalled ${config.stalledMs} ms`,
    ],
    [
      'requests',
      `${timeline.requestIds.length} (completed ${facts.filter((f) => f.state?.status === 'completed').length})`,
    ],
    [
      'commands',
      `${chaosCommands.length} (accepted ${chaosCommands.filter((c) => c.ok).length}), driving: ${driveCommands.length}`,
    ],
    ['kills', count('kill')],
    ['Redis restarts', count('restart')],
    ['connection cuts', count('cut')],
    [
      'deploys',
      `${new Set(timeline.faults.map((f) => f.code).filter((c) => c !== undefined)).size} rolling, ${count('deploy')} workers stopped`,
    ],
    ['requests by version', options.deploys.byVersion.join(', ')],
    [
      'runs by code',
      [...options.deploys.runsByCode]
        .sort(([a], [b]) => a - b)
        .map(([code, n]) => `code ${code}: ${n}`)
        .join(', '),
    ],
    ['first shape, new code', `${options.deploys.oldShapeNewCode} requests`],
    ['new shape, old workers up', `${options.deploys.newShapeOldWorkers} requests`],
    ['give-backs', options.giveBacks],
    ['handler runs', `${runs.length} (returned ${runs.filter((r) => 'out' in r).length})`],
    [
      'repeats',
      `${repeats} extra returned runs of a node (${options.deploys.deployRepeats} after a deploy's stop)`,
    ],
    ['max recovery', maxRecovery === Infinity ? 'never' : `${maxRecovery} ms`],
    ['queued-while-active', `${timeline.queuedWhileActive.length} in ${timeline.samples} samples`],
    ['client errors', timeline.clientErrors],
    ['elapsed', `${options.elapsedMs} ms`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    `chaos summary (replay: DAGFLOW_CHAOS_SEED=${config.seed} DAGFLOW_CHAOS_MS=${config.chaosMs} pnpm test:chaos)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    'recovery per fault:',
    ...recoveries.map(
      (r) =>
        `  +${String(r.fault.start - timeline.start).padStart(6)} ms  ${r.fault.detail.padEnd(44)} ${r.measured} nodes, max ${r.maxMs === Infinity ? 'never' : `${r.maxMs} ms`}${r.slowest === undefined ? '' : ` (${r.slowest})`}`,
    ),
  ];
  if (violations.length > 0) {
    lines.push(`${violations.length} violation(s), seed ${config.seed}:`);
    for (const v of violations) {
      lines.push(
        `  [${v.invariant}] ${v.requestId ?? ''}${v.node === undefined ? '' : ` ${v.node}`}: ${v.detail}`,
      );
    }
  }
  return lines.join('\n');
}
