import { describe, expect, it } from 'vitest';
import { type NodeRecovery, checkRecovery } from './chaos/recovery.js';
import type { FaultRecord } from './chaos/timeline.js';

const LIMITS = { limitMs: 15_000, gracefulMs: 8_000 };

/** A fault at `start` that found node `b` (and `c`) open; `started`: b's running attempt began then. */
function fault(kind: FaultRecord['kind'], start: number, started?: number): FaultRecord {
  return {
    kind,
    ...(kind === 'kill' || kind === 'deploy' ? { pid: 1 } : {}),
    start,
    end: start,
    detail: `${kind} at ${start}`,
    inFlight: [
      { requestId: 'r1', nodes: ['b', 'c'], started: started === undefined ? {} : { b: started } },
    ],
  };
}

function recovered(path: string, ms?: number): NodeRecovery {
  return { requestId: 'r1', path, ...(ms === undefined ? {} : { ms }) };
}

/** Violations when b took `firstMs` after `first` and `secondMs` after `second`. */
function check(first: FaultRecord, second: FaultRecord, firstMs?: number, secondMs = 8_800) {
  const watched = new Map([
    [first, [recovered('b', firstMs)]],
    [second, [recovered('b', secondMs)]],
  ]);
  return checkRecovery({ start: 0, faults: [first, second] }, watched, LIMITS).violations;
}

describe('chaos invariant 5, recovery time', () => {
  it('measures a node that a second kill caught on a takeover from that kill', () => {
    // b was taken over at 9,100 (after the first kill) and running when the second kill came.
    expect(check(fault('kill', 1_000), fault('kill', 9_200, 9_100), 17_000)).toEqual([]);
  });

  it('holds a node that waited out a later kill on its dead worker to the first kill', () => {
    // At the second kill b still ran the attempt begun before the first: that kill did not hit it.
    expect(check(fault('kill', 1_000), fault('kill', 9_200, 500), 17_000)).toMatchObject([
      { invariant: '5 recovery time', node: 'b' },
    ]);
    // Queued at the second kill: not hit either.
    expect(check(fault('kill', 1_000), fault('kill', 9_200), 17_000)).toMatchObject([
      { node: 'b' },
    ]);
  });

  it('measures every open node from a later Redis restart or cut', () => {
    expect(check(fault('kill', 1_000), fault('restart', 9_200), 17_000)).toEqual([]);
    expect(check(fault('kill', 1_000), fault('cut', 9_200), 17_000)).toEqual([]);
  });

  it('holds a node to its fault when the later fault came after it completed', () => {
    expect(check(fault('kill', 1_000), fault('restart', 20_000), 16_000, 300)).toMatchObject([
      { node: 'b' },
    ]);
    // Never seen completed: the later fault that hit it measures it.
    expect(check(fault('kill', 1_000), fault('restart', 20_000), undefined, 300)).toEqual([]);
  });

  it('treats a deploy stop like a kill: it hits only a node running a takeover then', () => {
    expect(check(fault('kill', 1_000), fault('deploy', 9_200, 9_100), 17_000, 300)).toEqual([]);
    expect(check(fault('kill', 1_000), fault('deploy', 9_200), 17_000, 300)).toMatchObject([
      { node: 'b' },
    ]);
  });

  it('holds a graceful deploy stop to the lock duration, a forced one to the limit', () => {
    const graceful = fault('deploy', 1_000);
    expect(check(graceful, fault('kill', 30_000), 8_500)).toMatchObject([
      { invariant: '5 recovery time', node: 'b' },
    ]);
    expect(check(graceful, fault('kill', 30_000), 7_000)).toEqual([]);
    const forced = { ...fault('deploy', 1_000), forced: true };
    expect(check(forced, fault('kill', 30_000), 12_000)).toEqual([]);
  });
});
