import { describe, expect, it } from 'vitest';
import { pendingStatus } from '../src/pending-status.js';
import { fitText } from '../src/graph/text-fit.js';

describe('pendingStatus', () => {
  it('calls a task held when its paused request would otherwise start it', () => {
    expect(pendingStatus('paused', { status: 'pending', parents: ['completed'] })).toBe('held');
    expect(pendingStatus('paused', { status: 'queued', parents: [] })).toBe('held');
    expect(pendingStatus('paused', { status: 'pending', parents: ['completed', 'running'] })).toBe(
      'pending',
    );
  });

  it('calls a task that a failed or stopped request never reached not-run', () => {
    expect(pendingStatus('failed', { status: 'pending', parents: ['failed'] })).toBe('not-run');
    expect(pendingStatus('stopped', { status: 'queued', parents: [] })).toBe('not-run');
  });

  it('leaves started tasks and running requests alone', () => {
    expect(pendingStatus('failed', { status: 'completed', parents: [] })).toBe('completed');
    expect(pendingStatus('running', { status: 'pending', parents: ['completed'] })).toBe('pending');
  });
});

describe('fitText', () => {
  const measure = (text: string) => text.length * 10;

  it('keeps a text that fits', () => {
    expect(fitText('abcd', 40, 'label', measure)).toEqual({ shown: 'abcd' });
  });

  it('cuts the longest prefix that fits with its ellipsis and keeps the whole text', () => {
    expect(fitText('abcdefgh', 50, 'label', measure)).toEqual({
      shown: 'abcd…',
      full: 'abcdefgh',
    });
    expect(fitText('abcdefgh', 5, 'label', measure)).toEqual({ shown: '…', full: 'abcdefgh' });
  });
});
