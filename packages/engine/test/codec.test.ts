import { describe, expect, it } from 'vitest';
import { decode, encode } from '../src/format/codec.js';
import { jobId } from '../src/format/job-layout.js';

const roundTrip = (value: unknown): unknown => decode(encode(value));

describe('codec', () => {
  it('round-trips JSON values exactly', () => {
    for (const value of [
      null,
      true,
      0,
      -1.5,
      'text',
      '',
      [],
      {},
      { a: [1, { b: 'c' }], d: null },
      'a\u0000b',
    ]) {
      expect(roundTrip(value)).toEqual(value);
    }
  });

  it('round-trips binary data at any depth as Buffers with identical bytes', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const decoded = roundTrip({
      image: bytes,
      list: [Buffer.alloc(0), new Uint8Array([7, 8])],
    }) as {
      image: Buffer;
      list: Buffer[];
    };
    expect(Buffer.isBuffer(decoded.image)).toBe(true);
    expect(decoded.image.equals(bytes)).toBe(true);
    expect(decoded.list[0]?.length).toBe(0);
    expect([...(decoded.list[1] ?? [])]).toEqual([7, 8]);
    expect((roundTrip(bytes) as Buffer).equals(bytes)).toBe(true);
  });

  it('keeps user objects that look like its tags', () => {
    const lookalikes = [
      { '\u0000bytes': 'AAEC' },
      { '\u0000object': ['x', 1] },
      { nested: { '\u0000bytes': 'x' } },
    ];
    for (const value of lookalikes) expect(roundTrip(value)).toEqual(value);
  });

  it('stores undefined as null and rejects what JSON cannot hold', () => {
    expect(roundTrip(undefined)).toBeNull();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encode(cyclic)).toThrow(
      expect.objectContaining({ code: 'INVALID_OUTPUT' }) as Error,
    );
    expect(() => encode(10n)).toThrow(expect.objectContaining({ code: 'INVALID_OUTPUT' }) as Error);
  });
});

describe('jobId', () => {
  it('never contains a colon and keeps distinct paths distinct', () => {
    expect(jobId('req-1', 'each[a:b]/x')).not.toContain(':');
    expect(jobId('r', 'a:b')).not.toBe(jobId('r', 'a%3Ab'));
  });
});
