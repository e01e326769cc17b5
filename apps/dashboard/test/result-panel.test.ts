import { describe, expect, it } from 'vitest';
import { resultPanel } from '../src/result-panel.js';

describe('resultPanel', () => {
  it('says not yet until the request completed, then fetches the result once', () => {
    expect(resultPanel({ status: 'running' }, false)).toEqual({ show: 'not yet' });
    expect(resultPanel({ status: 'completed' }, false)).toBe('fetch');
    expect(resultPanel({ status: 'completed' }, true)).toBe('keep');
  });

  it('keeps a fetched result when an older state arrives after the completed one', () => {
    expect(resultPanel({ status: 'running' }, true)).toBe('keep');
    expect(resultPanel({ status: 'pending' }, true)).toBe('keep');
  });

  it('shows a failure or a stop', () => {
    const error = { node: 'b', attempts: 1, message: 'boom', name: 'Error' };
    expect(resultPanel({ status: 'failed', error }, false)).toEqual({
      show: 'failed: boom (node b)',
    });
    expect(resultPanel({ status: 'stopped' }, false)).toEqual({ show: 'stopped' });
  });
});
