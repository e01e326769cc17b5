import { DagflowError } from '@dagflow/flow';
import { describe, expect, it } from 'vitest';
import { TokenTable, parseTokenFile, parseTokenList } from '../src/auth/tokens.js';

const configError = (run: () => unknown): DagflowError => {
  try {
    run();
  } catch (error) {
    if (error instanceof DagflowError) return error;
  }
  throw new Error('expected a DagflowError');
};

// Long enough and random-looking (`openssl rand -hex 12`).
const V = '3f9a1c7e5b2d08a4c6e1f390';
const O = '8c1d4e7a2b9f0356d8e1c4a7';
const A = 'e07b5a9c3d1f6284b0c7e9a2';

describe('token configuration', () => {
  it('reads role:token and role:name:token[:flow-glob] entries from DAGFLOW_TOKENS', () => {
    expect(
      parseTokenList(` viewer:${V} , admin:ops:${A},,operator:orders-bot:${O}:orders-* `),
    ).toEqual([
      { role: 'viewer', token: V },
      { role: 'admin', token: A, name: 'ops' },
      { role: 'operator', token: O, name: 'orders-bot', flows: 'orders-*' },
    ]);
    expect(parseTokenList('')).toEqual([]);
  });

  it('reads a token file: "role token" or "role name token [glob]" a line, comments skipped', () => {
    const file = `# ops team\n\nviewer   ${V}\r\n  # indented comment\noperator\tbot\t${O}\tkyc\nadmin ops ${A}\n`;
    expect(parseTokenFile(file)).toEqual([
      { role: 'viewer', token: V },
      { role: 'operator', token: O, name: 'bot', flows: 'kyc' },
      { role: 'admin', token: A, name: 'ops' },
    ]);
  });

  it.each([
    ['an unknown role', () => parseTokenList('root:s3cret-value'), 'unknown role'],
    ['a missing token', () => parseTokenList('admin:'), 'role:name:token'],
    ['no colon', () => parseTokenList('s3cret-value'), 'unknown role'],
    ['five fields', () => parseTokenList('admin:a:s3cret-value:b:c'), 'entry 1'],
    ['a short token', () => parseTokenList(`viewer:${V},admin:s3cret-value`), 'entry 2'],
    ['a bad name', () => parseTokenList(`admin:o#1:${A}s3cret-value`), 'token name'],
    ['a bad scope', () => parseTokenList(`admin:ops:${A}s3cret-value:a/b`), 'flow scope'],
    [
      'five fields in a file',
      () => parseTokenFile('admin a b c s3cret-value', 'tokens.txt'),
      'line 1',
    ],
    ['one field', () => parseTokenFile('\nadmin', 'tokens.txt'), 'tokens.txt line 2'],
    [
      'a short token in a file',
      () => parseTokenFile('admin ops s3cret-value', 'f'),
      'f line 1 (ops)',
    ],
  ])('refuses %s with INVALID_CONFIG, never echoing the token', (_name, run, says) => {
    const error = configError(run);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain(says);
    expect(error.message).not.toContain('s3cret-value');
  });

  it.each([
    ['one character', 'Q', 'fewer than 24'],
    ['23 characters', V.slice(0, 23), 'fewer than 24'],
    ['change-me', 'change-me-operator-0123456789', 'placeholder'],
    ['CHANGEME', 'CHANGEME_CHANGEME_CHANGEME', 'placeholder'],
    ['replace-me', 'replace-me-with-a-long-token', 'placeholder'],
    ['your-token', '<your-token-goes-here-please>', 'placeholder'],
    ['one repeated character', 'x'.repeat(40), 'too few characters'],
  ])('refuses a weak token (%s) at start, naming the entry by position', (_name, token, says) => {
    const error = configError(
      () =>
        new TokenTable([
          { role: 'viewer', token: V },
          { role: 'admin', token },
        ]),
    );
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('token 2');
    expect(error.message).toContain(says);
    expect(error.message).not.toContain(token);
    // A derived name is a fingerprint of the token: not shown for a weak one.
    expect(error.message).not.toContain('admin#');
  });

  it('refuses one token given twice (any roles) and one name given twice', () => {
    const twice = configError(
      () =>
        new TokenTable([
          { role: 'viewer', token: V },
          { role: 'admin', token: V },
        ]),
    );
    expect(twice.code).toBe('INVALID_CONFIG');
    expect(twice.message).toContain('token 2 repeats the token');
    expect(twice.message).not.toContain(V);
    const named = configError(
      () =>
        new TokenTable([
          { role: 'viewer', token: V, name: 'ops' },
          { role: 'admin', token: A, name: 'ops' },
        ]),
    );
    expect(named.message).toContain('token 2 (ops) repeats the name');
  });
});

describe('TokenTable', () => {
  const table = new TokenTable([
    { role: 'viewer', token: V },
    { role: 'admin', token: A, name: 'ops' },
    { role: 'operator', token: O, name: 'bot', flows: 'orders-*' },
  ]);

  it('finds the caller of a known token, named by role and fingerprint or by its name', () => {
    expect(table.lookup(V)).toEqual({
      role: 'viewer',
      name: expect.stringMatching(/^viewer#[0-9a-f]{8}$/),
    });
    expect(table.lookup(A)).toEqual({ role: 'admin', name: 'ops' });
    expect(table.lookup(O)).toEqual({ role: 'operator', name: 'bot', flows: 'orders-*' });
    expect(table.size).toBe(3);
  });

  it('knows no other token, prefix or empty string', () => {
    for (const token of ['', V.slice(0, -1), `${V} `, V.toUpperCase(), `${A}-2`]) {
      expect(table.lookup(token)).toBeUndefined();
    }
  });

  it('treats a scope of * as every flow', () => {
    expect(new TokenTable([{ role: 'viewer', token: V, flows: '*' }]).lookup(V)).toEqual({
      role: 'viewer',
      name: expect.any(String),
    });
  });
});
