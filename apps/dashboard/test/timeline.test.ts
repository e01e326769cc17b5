import { describe, expect, it } from 'vitest';
import type { RequestState } from '@dagflow/server/contract';
import { combinedStatus, describeCounts } from '../src/status.js';
import { buildTimeline } from '../src/timeline/timeline.js';

const state: RequestState = {
  requestId: 'r',
  flow: 'f',
  status: 'running',
  createdAt: 1_000,
  nodes: {
    first: { status: 'completed', attempts: 2, startedAt: 1_010, finishedAt: 1_050 },
    'each[0]/sq': { status: 'completed', attempts: 1, startedAt: 1_060, finishedAt: 1_070 },
    'each[1]/sq': { status: 'running', attempts: 1, startedAt: 1_065 },
    last: { status: 'pending', attempts: 0 },
  },
};

describe('buildTimeline', () => {
  it('has a row per started node and one per for-each body node, in start order', () => {
    const timeline = buildTimeline(state, 1_200);
    expect(timeline.rows).toEqual([
      {
        path: 'first',
        status: 'completed',
        instances: 1,
        attempts: 2,
        startMs: 10,
        endMs: 50,
        running: false,
      },
      {
        path: 'each/sq',
        status: 'running',
        instances: 2,
        attempts: 1,
        startMs: 60,
        endMs: 200,
        running: true,
      },
    ]);
    expect(timeline.spanMs).toBe(200);
    expect(timeline.hidden).toBe(0);
  });

  it('keeps at most the limit and counts the hidden rows', () => {
    const timeline = buildTimeline(state, 1_200, 1);
    expect(timeline.rows.map((row) => row.path)).toEqual(['first']);
    expect(timeline.hidden).toBe(1);
  });
});

describe('statuses', () => {
  it('combines instances: failures win, then activity, then completion', () => {
    expect(combinedStatus({ completed: 3, failed: 1, running: 1 })).toBe('failed');
    expect(combinedStatus({ completed: 3, queued: 1 })).toBe('queued');
    expect(combinedStatus({ completed: 3, pending: 1 })).toBe('running');
    expect(combinedStatus({ completed: 3 })).toBe('completed');
    expect(combinedStatus({})).toBe('pending');
    expect(describeCounts({ running: 20, completed: 980 })).toBe('980 completed · 20 running');
  });
});
