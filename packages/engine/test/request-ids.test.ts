import { describe, expect, it } from 'vitest';
import {
  type RequestIdKind,
  assertRequestId,
  newRequestId,
} from '../src/client/start/request-ids.js';
import { childRequestId, scheduledRequestId } from '../src/format/request-ids.js';

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

describe('assertRequestId', () => {
  const codeOf = (id: string, kind: RequestIdKind) => {
    try {
      assertRequestId(id, kind);
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it('refuses the forms of schedule ticks and child requests in a caller-supplied id', () => {
    const tick = scheduledRequestId('nightly', 1_796_602_935_196);
    expect(tick).toBe('s~nightly.1796602935196');
    expect(codeOf(tick, 'tick')).toBe('ok');
    expect(codeOf(tick, 'caller')).toBe('INVALID_REQUEST_ID');
    expect(codeOf(childRequestId('parent', 'node'), 'caller')).toBe('INVALID_REQUEST_ID');
    expect(codeOf('child-abc', 'caller')).toBe('INVALID_REQUEST_ID');
    // The form ticks had before T3-2 is an ordinary caller id now: no tick uses it any more.
    expect(codeOf('s.nightly.1796602935196', 'caller')).toBe('ok');
  });

  it('takes as a tick id only the form scheduledRequestId makes', () => {
    expect(codeOf('s~nightly', 'tick')).toBe('INVALID_REQUEST_ID');
    expect(codeOf('s~a:b.1', 'tick')).toBe('INVALID_REQUEST_ID');
    expect(codeOf('plain-id', 'tick')).toBe('INVALID_REQUEST_ID');
    expect(codeOf(childRequestId('parent', 'node'), 'tick')).toBe('INVALID_REQUEST_ID');
  });
});
