import { type Dag, FlowService } from '@dagflow/engine';
import { describe, expect, it } from 'vitest';
import { batchPart } from '../src/client/start/batch-part.js';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('register(..., { batch })', () => {
  // No I/O: the constructor connects to nothing, register only validates.
  const service = new FlowService({ redisUrl: 'redis://127.0.0.1:1', logLevel: 'error' });
  const define = (dag: Dag) => dag.node('n', (inputs: unknown[]) => inputs);
  let n = 0;
  const register =
    (batch: unknown, extra: object = {}) =>
    () =>
      service.register(`f${n++}`, define, { batch: batch as never, ...extra });

  it.each([
    [{ maxSize: 1, maxWaitMs: 1 }],
    [{ maxSize: 10_000, maxWaitMs: 60_000, key: (input: { k: string }) => input.k }],
  ])('accepts %j', (batch) => {
    expect(codeOf(register(batch))).toBeUndefined();
  });

  it.each([
    [{ maxSize: 0, maxWaitMs: 100 }],
    [{ maxSize: 10_001, maxWaitMs: 100 }],
    [{ maxSize: 1.5, maxWaitMs: 100 }],
    [{ maxSize: 10, maxWaitMs: 0 }],
    [{ maxSize: 10, maxWaitMs: -5 }],
    [{ maxSize: 10, maxWaitMs: 1.5 }],
    [{ maxSize: 10 }],
    [{ maxSize: 10, maxWaitMs: 100, key: 'k' }],
  ])('refuses %j with DEFINITION_INVALID', (batch) => {
    expect(codeOf(register(batch))).toBe('DEFINITION_INVALID');
  });

  it('refuses batch with singleton', () => {
    const singleton = { key: () => 'one', mode: 'skip' as const };
    expect(codeOf(register({ maxSize: 2, maxWaitMs: 10 }, { singleton }))).toBe(
      'DEFINITION_INVALID',
    );
  });

  it('refuses batch with fairness', () => {
    const fairness = { key: () => 'tenant' };
    expect(codeOf(register({ maxSize: 2, maxWaitMs: 10 }, { fairness }))).toBe(
      'DEFINITION_INVALID',
    );
  });
});

describe('batchPart', () => {
  it("answers the caller's element of an aligned array result", () => {
    expect(batchPart(['a', 'b', 'c'], 1)).toBe('b');
  });

  it.each([
    [{ not: 'an array' }, 0],
    [['a'], 1],
    [['a'], -1],
  ])('refuses %j at %d with INVALID_OUTPUT', (result, position) => {
    expect(codeOf(() => batchPart(result, position))).toBe('INVALID_OUTPUT');
  });
});
