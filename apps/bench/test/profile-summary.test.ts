import { describe, expect, it } from 'vitest';
import {
  type CpuProfile,
  mergeSummaries,
  profileTable,
  summarizeProfile,
} from '../src/profile-summary.js';

// Four nodes; samples every 1,000 µs from t = 10,000: idle, a, a, b (file x.js), a (file y.js), GC.
const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 4 });
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(idle)'), hitCount: 1 },
    { id: 2, callFrame: frame('a', 'file:///app/dist/x.js'), hitCount: 2 },
    { id: 3, callFrame: frame('b', 'file:///app/dist/x.js'), hitCount: 1 },
    { id: 4, callFrame: frame('a', 'file:///app/dist/y.js'), hitCount: 1 },
    { id: 5, callFrame: frame('(garbage collector)'), hitCount: 1 },
    { id: 6, callFrame: frame('', 'file:///app/dist/y.js'), hitCount: 0 },
  ],
  startTime: 10_000,
  endTime: 16_000,
  samples: [1, 2, 2, 3, 4, 5],
  timeDeltas: [1_000, 1_000, 1_000, 1_000, 1_000, 1_000],
};

describe('summarizeProfile', () => {
  it('sums self time by function name and file, idle apart, highest first', () => {
    const summary = summarizeProfile(profile);
    expect(summary.idleMs).toBe(1);
    expect(summary.busyMs).toBe(5);
    expect(summary.functions.map((f) => [f.name, f.selfMs])).toEqual([
      ['a (x.js)', 2],
      ['b (x.js)', 1],
      ['a (y.js)', 1],
      ['(garbage collector)', 1],
    ]);
    expect(summary.functions[0]?.share).toBeCloseTo(0.4);
  });

  it('counts only the samples inside the windows', () => {
    // Samples fall at 11,000 .. 16,000; the window holds the 3rd and 4th (13,000 and 14,000).
    const summary = summarizeProfile(profile, [[12_500, 14_000]]);
    expect(summary.samples).toBe(2);
    expect(summary.functions.map((f) => f.name)).toEqual(['a (x.js)', 'b (x.js)']);
  });

  it('renders the top functions as a table', () => {
    const lines = profileTable(summarizeProfile(profile), 2);
    expect(lines[0]).toBe('6 samples: busy 5 ms, idle 1 ms');
    expect(lines.slice(4)).toEqual(['| 2 | 40.0% | a (x.js) |', '| 1 | 20.0% | b (x.js) |']);
  });
});

describe('mergeSummaries', () => {
  it('adds the processes up and takes shares of the total busy time', () => {
    const merged = mergeSummaries([summarizeProfile(profile), summarizeProfile(profile)]);
    expect(merged.busyMs).toBe(10);
    expect(merged.samples).toBe(12);
    expect(merged.functions[0]).toEqual({ name: 'a (x.js)', selfMs: 4, share: 0.4 });
  });
});
