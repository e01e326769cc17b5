import type { RequestSummary } from '@dagflow/server/contract';
import { describe, expect, it } from 'vitest';
import { ago, recentRequests } from '../src/recent-requests.js';

describe('recentRequests', () => {
  it('counts statuses, orders them oldest first and takes the newest time', () => {
    const page: RequestSummary[] = [
      { requestId: 'c', status: 'running', createdAt: 3_000 },
      { requestId: 'b', status: 'failed', createdAt: 2_000, finishedAt: 2_500 },
      { requestId: 'a', status: 'completed', createdAt: 1_000, finishedAt: 1_200 },
      { requestId: '0', status: 'completed', createdAt: 500, finishedAt: 900 },
    ];
    expect(recentRequests(page)).toEqual({
      total: 4,
      counts: { running: 1, failed: 1, completed: 2 },
      statuses: ['completed', 'completed', 'failed', 'running'],
      lastAt: 3_000,
    });
  });

  it('has no last time without requests', () => {
    expect(recentRequests([])).toEqual({ total: 0, counts: {}, statuses: [], lastAt: undefined });
  });
});

describe('ago', () => {
  it('says how long ago in the largest fitting unit', () => {
    const now = 10_000_000;
    expect(ago(now - 500, now)).toBe('just now');
    expect(ago(now - 12_400, now)).toBe('12 s ago');
    expect(ago(now - 4 * 60_000 - 10, now)).toBe('4 min ago');
    expect(ago(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(ago(now - 2 * 86_400_000, now)).toBe('2 d ago');
    expect(ago(now + 5_000, now)).toBe('just now');
  });
});
