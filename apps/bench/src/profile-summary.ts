/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and sums self time per function: hit
 * counts times the mean sample interval, grouped by function name and script file name. Given time
 * windows (the measured loads), only the samples inside them count, so that start-up, module loading
 * and the warm-up round stay out.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The parts of a `.cpuprofile` the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly hitCount?: number;
  }[];
  /** Microseconds on the monotonic clock. */
  readonly startTime: number;
  readonly endTime: number;
  /** The node id of each sample, and the microseconds since the previous one. */
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** Self time of one function (all its profile nodes together). */
export interface FunctionTime {
  /** `name (file)`, or V8's own entries as they are named: `(garbage collector)`, `(program)`. */
  readonly name: string;
  readonly selfMs: number;
  /** Share of the busy time (everything but `(idle)`), 0..1. */
  readonly share: number;
}

/** Summary of one profile: busy and idle time and the functions by self time, highest first. */
export interface ProfileSummary {
  readonly busyMs: number;
  readonly idleMs: number;
  /** Samples counted (inside the windows, when windows were given). */
  readonly samples: number;
  readonly functions: readonly FunctionTime[];
}

/** A time window `[start, end]` in microseconds on the clock of the profile. */
export type Window = readonly [number, number];

/** Hits per node id: the nodes' own hit counts, or the samples inside `windows`. */
function hitsByNode(
  profile: CpuProfile,
  windows: readonly Window[] | undefined,
): Map<number, number> {
  const hits = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  if (!windows || !samples || !timeDeltas) {
    for (const node of profile.nodes) if (node.hitCount) hits.set(node.id, node.hitCount);
    return hits;
  }
  let at = profile.startTime;
  samples.forEach((id, i) => {
    at += timeDeltas[i] ?? 0;
    if (windows.some(([start, end]) => at >= start && at <= end))
      hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return hits;
}

/** Sums self time per function of `profile`, inside `windows` if given. */
export function summarizeProfile(profile: CpuProfile, windows?: readonly Window[]): ProfileSummary {
  const allHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const total = profile.samples?.length ?? allHits;
  const intervalMs = total > 0 ? (profile.endTime - profile.startTime) / 1000 / total : 0;
  const hits = hitsByNode(profile, windows);
  const byName = new Map<string, number>();
  let samples = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id);
    if (!count) continue;
    samples += count;
    const { functionName, url, lineNumber } = node.callFrame;
    // Anonymous functions keep their line, so that different ones stay apart.
    const fn = functionName || `(anonymous:${lineNumber + 1})`;
    const name = url ? `${fn} (${basename(url)})` : fn;
    byName.set(name, (byName.get(name) ?? 0) + count * intervalMs);
  }
  const idleMs = byName.get('(idle)') ?? 0;
  byName.delete('(idle)');
  const busyMs = [...byName.values()].reduce((a, b) => a + b, 0);
  const functions = [...byName]
    .map(([name, selfMs]) => ({ name, selfMs, share: busyMs > 0 ? selfMs / busyMs : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { busyMs, idleMs, samples, functions };
}

/** Adds summaries up (several processes' profiles), shares taken of the total busy time. */
export function mergeSummaries(summaries: readonly ProfileSummary[]): ProfileSummary {
  const byName = new Map<string, number>();
  for (const summary of summaries)
    for (const f of summary.functions) byName.set(f.name, (byName.get(f.name) ?? 0) + f.selfMs);
  const busyMs = summaries.reduce((sum, s) => sum + s.busyMs, 0);
  return {
    busyMs,
    idleMs: summaries.reduce((sum, s) => sum + s.idleMs, 0),
    samples: summaries.reduce((sum, s) => sum + s.samples, 0),
    functions: [...byName]
      .map(([name, selfMs]) => ({ name, selfMs, share: busyMs > 0 ? selfMs / busyMs : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** Reads a `.cpuprofile` file and summarizes it (inside `windows` if given). */
export function summarizeProfileFile(path: string, windows?: readonly Window[]): ProfileSummary {
  return summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, windows);
}

/** The summary's top `count` functions as Markdown table lines. */
export function profileTable(summary: ProfileSummary, count = 25): string[] {
  const ms = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return [
    `${summary.samples} samples: busy ${ms(summary.busyMs)} ms, idle ${ms(summary.idleMs)} ms`,
    '',
    '| self ms | share of busy | function (file) |',
    '| ------: | ------------: | --------------- |',
    ...summary.functions
      .slice(0, count)
      .map((f) => `| ${ms(f.selfMs)} | ${(f.share * 100).toFixed(1)}% | ${f.name} |`),
  ];
}
