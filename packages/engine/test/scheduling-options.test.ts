import { describe, expect, it } from 'vitest';
import { assertValidSchedule } from '../src/client/schedules.js';
import { keyOf } from '../src/queue/concurrency-keys.js';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

/** Limits that let a test schedule every 100 ms. */
const fast = { maxPerFlow: 100, minIntervalMs: 100 };
/** The defaults: 100 schedules per flow, ticks at least a minute apart. */
const defaults = { maxPerFlow: 100, minIntervalMs: 60_000 };

describe('assertValidSchedule', () => {
  it.each([
    [{ id: 'a', everyMs: 500 }],
    [{ id: 'nightly.report-1', cron: '0 2 * * *', tz: 'Europe/Paris' }],
    [{ id: 'a', cron: '*/10 * * * * *' }],
  ])('accepts %j when the minimum interval allows it', (options) => {
    expect(codeOf(() => assertValidSchedule('f', options, fast))).toBeUndefined();
  });

  it.each([
    [{ id: 'a', everyMs: 60_000 }],
    [{ id: 'a', cron: '* * * * *' }],
    [{ id: 'nightly.report-1', cron: '0 2 * * *', tz: 'Europe/Paris' }],
  ])('accepts %j under the default minimum interval', (options) => {
    expect(codeOf(() => assertValidSchedule('f', options, defaults))).toBeUndefined();
  });

  it.each([
    [{ id: 'a', everyMs: 100 }],
    [{ id: 'a', everyMs: 59_999 }],
    [{ id: 'a', cron: '*/10 * * * * *' }],
    [{ id: 'a', cron: '0 * * * * *' }],
    [{ id: 'a', cron: '0,30 * * * * *' }],
  ])('refuses %j under the default minimum interval', (options) => {
    expect(codeOf(() => assertValidSchedule('f', options, defaults))).toBe('INVALID_SCHEDULE');
    expect(() => assertValidSchedule('f', options, defaults)).toThrow(/minScheduleIntervalMs/);
  });

  it('refuses a cron whose ticks come closer than a longer minimum', () => {
    const hourly = { maxPerFlow: 100, minIntervalMs: 3_600_000 };
    expect(codeOf(() => assertValidSchedule('f', { id: 'a', cron: '0 * * * *' }, hourly))).toBe(
      undefined,
    );
    expect(codeOf(() => assertValidSchedule('f', { id: 'a', cron: '*/30 * * * *' }, hourly))).toBe(
      'INVALID_SCHEDULE',
    );
  });

  it.each([
    [{ id: 'a' }],
    [{ id: 'a', cron: '* * * * *', everyMs: 1000 }],
    [{ id: 'a', cron: 'every day' }],
    [{ id: 'a', cron: '61 * * * *' }],
    [{ id: 'a', cron: '0 2 * * *', tz: 'Mars/Olympus' }],
    [{ id: 'a', everyMs: 50 }],
    [{ id: 'a', everyMs: 1.5e3 + 0.5 }],
    [{ id: 'a', everyMs: 1000, tz: 'UTC' }],
    [{ id: 'a:b', everyMs: 1000 }],
    [{ id: '', everyMs: 1000 }],
    [{ id: 'x'.repeat(65), everyMs: 1000 }],
  ])('refuses %j with INVALID_SCHEDULE', (options) => {
    expect(codeOf(() => assertValidSchedule('f', options, fast))).toBe('INVALID_SCHEDULE');
  });
});

describe('keyOf', () => {
  it('calls the key function with the input', () => {
    expect(keyOf({ key: (input) => `c-${String(input)}`, limit: 1 }, 7)).toBe('c-7');
  });

  it('reads a dotted keyPath, and a missing value as "undefined"', () => {
    const byPath = { keyPath: 'customer.id', limit: 2 };
    expect(keyOf(byPath, { customer: { id: 42 } })).toBe('42');
    expect(keyOf(byPath, { customer: null })).toBe('undefined');
    expect(keyOf(byPath, 'text')).toBe('undefined');
  });
});
