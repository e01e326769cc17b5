import { describe, expect, it } from 'vitest';
import { EnvReader } from '../src/config/env.js';
import { signingPart } from '../src/config/signing-config.js';
import { eventMatches, keySetOf, waitMatch } from '../src/plan/event-match.js';
import { signalUrl, verifyToken } from '../src/events/signal-urls.js';

const SECRET = 'x'.repeat(32);

describe('signing keys (DAGFLOW_SIGNING_KEY)', () => {
  const part = (env: Record<string, string>, options = {}) =>
    signingPart(options, new EnvReader(env));

  it('reads id:secret pairs, the first signing, and the public URL', () => {
    const config = part({
      DAGFLOW_SIGNING_KEY: `new:${SECRET}y, old:${SECRET}`,
      DAGFLOW_PUBLIC_URL: 'https://flows.example.com/',
    });
    expect(config.keys.map((key) => key.id)).toEqual(['new', 'old']);
    expect(config).toMatchObject({ publicUrl: 'https://flows.example.com', publicUrlGiven: true });
    expect(part({ HOST: '0.0.0.0', PORT: '9000' })).toEqual({
      keys: [],
      publicUrl: 'http://127.0.0.1:9000',
      publicUrlGiven: false,
    });
  });

  it('refuses weak secrets, malformed entries, twice-named ids and non-http URLs, never echoing a secret', () => {
    for (const key of [
      'k:short',
      `:${SECRET}`,
      SECRET,
      `k:${SECRET},k:${SECRET}`,
      `k/1:${SECRET}`,
    ]) {
      let thrown: unknown;
      try {
        part({ DAGFLOW_SIGNING_KEY: key });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'INVALID_CONFIG' });
      expect(String((thrown as Error).message)).not.toContain(SECRET);
    }
    expect(() => part({ DAGFLOW_PUBLIC_URL: 'ftp://x' })).toThrow(/DAGFLOW_PUBLIC_URL/);
    expect(() => part({}, { signingKey: 'k:weak' })).toThrow(/Option signingKey/);
  });

  it('signs tokens any listed key verifies, and refuses them past expiry', () => {
    const signing = part({ DAGFLOW_SIGNING_KEY: `a:${SECRET}` });
    const url = signalUrl(
      signing,
      { flow: 'f', requestId: 'r', signal: 's' },
      { expiresInMs: 60_000 },
    );
    const token = url.slice(url.lastIndexOf('/') + 1);
    const rotated = part({ DAGFLOW_SIGNING_KEY: `b:${SECRET}z,a:${SECRET}` });
    expect(verifyToken(rotated, token)).toMatchObject({ flow: 'f', requestId: 'r', kid: 'a' });
    expect(() => verifyToken(part({ DAGFLOW_SIGNING_KEY: `b:${SECRET}z` }), token)).toThrow(
      expect.objectContaining({ code: 'SIGNAL_URL_INVALID' }),
    );
    expect(() =>
      signalUrl(signing, { flow: 'f', requestId: 'r', signal: 's' }, { expiresInMs: 0 }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('event matches', () => {
  const match = { 'data.order.id': '$.id', event: '$.kind' };

  it('give a waiter and the events that match it the same key', () => {
    const waiter = waitMatch(match, { id: { a: 1, b: [2] }, kind: 'paid' });
    const [found] = eventMatches([keySetOf(match)], {
      event: 'paid',
      data: { order: { id: { b: [2], a: 1 } }, cents: 5 },
    });
    expect(found).toEqual(waiter);
    const [other] = eventMatches([keySetOf(match)], { event: 'paid', data: { order: { id: 7 } } });
    expect(other?.hash).not.toBe(waiter.hash);
  });

  it('count a missing value as null on both sides, and take $ as the whole input', () => {
    expect(waitMatch({ 'data.x': '$.nope' }, {})).toEqual(
      eventMatches([keySetOf({ 'data.x': '' })], { event: 'e', data: { y: 1 } })[0],
    );
    expect(waitMatch({ data: '$' }, 'o-1')).toEqual(
      eventMatches([keySetOf({ data: '$' })], { event: 'e', data: 'o-1' })[0],
    );
  });
});
