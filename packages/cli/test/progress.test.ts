import type { NodeStatus, RequestState } from '@dagflow/engine';
import { describe, expect, it } from 'vitest';
import { Progress, progressLine } from '../src/progress.js';

/** A request state with just what progress reads. */
function state(status: RequestState['status'], nodes: Record<string, NodeStatus>): RequestState {
  const entries = Object.entries(nodes).map(([path, s]) => [path, { status: s }]);
  const partial: Pick<RequestState, 'status' | 'nodes'> = {
    status,
    nodes: Object.fromEntries(entries) as RequestState['nodes'],
  };
  return partial as RequestState;
}

describe('progress', () => {
  it('names done of all, the status and the running nodes', () => {
    expect(progressLine(state('running', { a: 'completed', b: 'running', c: 'running' }))).toBe(
      '1/3 nodes done (running): b, c',
    );
    expect(progressLine(state('completed', { a: 'completed' }))).toBe('1/1 nodes done (completed)');
  });

  it('redraws one line on a terminal and ends it once', () => {
    const written: string[] = [];
    const progress = new Progress({ write: (text) => written.push(text), isTTY: true });
    progress.show(state('running', { a: 'running' }));
    progress.show(state('running', { a: 'running' }));
    progress.show(state('completed', { a: 'completed' }));
    progress.end();
    progress.end();
    expect(written).toEqual([
      '\r\u001b[2K0/1 nodes done (running): a',
      '\r\u001b[2K1/1 nodes done (completed)',
      '\n',
    ]);
  });

  it('prints a plain line per change when piped', () => {
    const written: string[] = [];
    const progress = new Progress({ write: (text) => written.push(text), isTTY: false });
    progress.show(state('running', { a: 'running' }));
    progress.show(state('running', { a: 'running' }));
    progress.show(state('completed', { a: 'completed' }));
    progress.end();
    expect(written).toEqual(['0/1 nodes done (running): a\n', '1/1 nodes done (completed)\n']);
  });
});
