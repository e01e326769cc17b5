import { describe, expect, it } from 'vitest';
import { newRequestId } from '../src/client/request-ids.js';

describe('newRequestId', () => {
  it('is 16 URL-safe characters, accepted as a caller-supplied id would be', () => {
    for (let i = 0; i < 1_000; i++) expect(newRequestId()).toMatch(/^[0-9a-z]{8}[A-Za-z0-9_-]{8}$/);
  });

  it('sorts by creation time', () => {
    const times = [0, 1, 35, 36, 1_700_000_000_000, Date.now(), 2_800_000_000_000];
    const ids = times.map((time) => newRequestId(time));
    expect([...ids].sort()).toEqual(ids);
  });

  it('does not repeat within one millisecond', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 100_000 }, () => newRequestId(now)));
    expect(ids.size).toBe(100_000);
  });
});
