import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/virtual-clock.js';

describe('the virtual clock', () => {
  it('stands still until moved, never back, and maps past system instants to their time', async () => {
    const clock = new VirtualClock(1_000);
    const before = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.now()).toBe(1_000);
    clock.moveTo(61_000);
    clock.moveTo(30_000); // back: ignored
    expect(clock.now()).toBe(61_000);
    expect(clock.at(before)).toBe(1_000);
    expect(clock.at(Date.now())).toBe(61_000);
  });
});
