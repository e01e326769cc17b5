import { afterEach, describe, expect, it } from 'vitest';
import { clockAt, clockNow, useClock } from '../src/infra/clock.js';

afterEach(() => useClock(undefined));

describe("the engine's clock", () => {
  it('is the system clock unless one is installed, and again once it is removed', () => {
    const before = Date.now();
    expect(clockNow()).toBeGreaterThanOrEqual(before);
    expect(clockAt(before)).toBe(before);
    useClock({ now: () => 42, at: (ms) => ms + 1 });
    expect(clockNow()).toBe(42);
    expect(clockAt(before)).toBe(before + 1);
    useClock(undefined);
    expect(clockNow()).toBeGreaterThanOrEqual(before);
  });
});
