/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and sums self time per function: a node's
 * hit count times the mean sample interval, grouped by function name and script file name.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The parts of a `.cpuprofile` the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly hitCount?: number;
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

/** Self time of one function (all its profile nodes together). */
export interface FunctionTime {
  /** `name (file)`, or V8's own entries as they are named: `(garbage collector)`, `(program)`. */
  readonly name: string;
  readonly selfMs: number;
  /** Share of the profile's busy time (everything but `(idle)`), 0..1. */
  readonly share: number;
}

/** Summary of one profile: busy and idle time and the functions by self time, highest first. */
export interface ProfileSummary {
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: readonly FunctionTime[];
}

/** Sums self time per function of `profile`. */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const samples = profile.samples?.length ?? hits;
  const intervalMs = samples > 0 ? (profile.endTime - profile.startTime) / 1000 / samples : 0;
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    if (!node.hitCount) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    // Grouped by function name and file name; anonymous functions keep their line to stay apart.
    const fn = functionName || `(anonymous:${lineNumber + 1})`;
    const name = url ? `${fn} (${basename(url)})` : fn;
    byName.set(name, (byName.get(name) ?? 0) + node.hitCount * intervalMs);
  }
  const idleMs = byName.get('(idle)') ?? 0;
  byName.delete('(idle)');
  const busyMs = [...byName.values()].reduce((a, b) => a + b, 0);
  const functions = [...byName]
    .map(([name, selfMs]) => ({ name, selfMs, share: busyMs > 0 ? selfMs / busyMs : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { busyMs, idleMs, functions };
}

/** Reads a `.cpuprofile` file and summarizes it. */
export function summarizeProfileFile(path: string): ProfileSummary {
  return summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
}

/** The summary's top `count` functions as Markdown table lines. */
export function profileTable(summary: ProfileSummary, count = 25): string[] {
  const ms = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return [
    `busy ${ms(summary.busyMs)} ms, idle ${ms(summary.idleMs)} ms`,
    '',
    '| self ms | share | function (file) |',
    '| ------: | ----: | -------------------- |',
    ...summary.functions
      .slice(0, count)
      .map((f) => `| ${ms(f.selfMs)} | ${(f.share * 100).toFixed(1)}% | ${f.name} |`),
  ];
}
