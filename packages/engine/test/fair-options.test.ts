import { describe, expect, it } from 'vitest';
import {
  assertFairness,
  fairTagFor,
  parseFairTag,
  formatFairTag,
} from '../src/queue/fair-options.js';
import type { FlowOptions } from '../src/types/flow-options.js';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

const key = (input: unknown): string => String(input);

describe('assertFairness', () => {
  it.each<[string, FlowOptions]>([
    ['a key alone', { fairness: { key } }],
    ['a weight, min and max', { fairness: { key, weight: () => 0.5, min: 2, max: 2 } }],
    ['a flow-wide concurrency beside it', { concurrency: 10, fairness: { key, max: 3 } }],
  ])('accepts %s', (_, options) => {
    expect(codeOf(() => assertFairness('f', options))).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['no key function', { key: 'tenant' }],
    ['a weight that is no function', { key, weight: 2 }],
    ['min 0', { key, min: 0 }],
    ['a fractional max', { key, max: 2.5 }],
    ['min over max', { key, min: 5, max: 3 }],
  ])('refuses %s with DEFINITION_INVALID', (_, fairness) => {
    const options = { fairness } as FlowOptions;
    expect(codeOf(() => assertFairness('f', options))).toBe('DEFINITION_INVALID');
  });

  it('refuses fairness beside a concurrency key or a keyed rate limit', () => {
    const keyed: FlowOptions = { concurrency: { key, limit: 2 }, fairness: { key } };
    const rated: FlowOptions = {
      rateLimit: { key, max: 1, durationMs: 1_000 },
      fairness: { key },
    };
    expect(codeOf(() => assertFairness('f', keyed))).toBe('DEFINITION_INVALID');
    expect(codeOf(() => assertFairness('f', rated))).toBe('DEFINITION_INVALID');
  });
});

describe('fairTagFor', () => {
  it('computes the key and weight of an input, long keys named by their hash', () => {
    expect(fairTagFor({ key, weight: () => 0.25 }, 'tenant')).toEqual({
      key: 'tenant',
      weight: 0.25,
    });
    const long = fairTagFor({ key }, 'x'.repeat(100));
    expect(long.key).toMatch(/^#.{24}$/);
    expect(long.weight).toBe(1);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses weight %s with INVALID_INPUT',
    (weight) => {
      expect(codeOf(() => fairTagFor({ key, weight: () => weight }, 'a'))).toBe('INVALID_INPUT');
    },
  );

  it('keeps the tag in the request state and reads it back', () => {
    const tag = { key: 'a b', weight: 3 };
    expect(parseFairTag(formatFairTag(tag))).toEqual(tag);
    expect(parseFairTag(null)).toBeUndefined();
    expect(parseFairTag('not json')).toBeUndefined();
  });
});
