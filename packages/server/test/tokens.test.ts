import { DagflowError } from '@dagflow/flow';
import { describe, expect, it } from 'vitest';
import { TokenTable, parseTokenFile, parseTokenList } from '../src/tokens.js';

const configError = (run: () => unknown): DagflowError => {
  try {
    run();
  } catch (error) {
    if (error instanceof DagflowError) return error;
  }
  throw new Error('expected a DagflowError');
};

describe('token configuration', () => {
  it('reads role:token pairs from DAGFLOW_TOKENS, tokens may hold colons', () => {
    expect(parseTokenList(' viewer:v1 , admin:a:b:c,,operator:o1 ')).toEqual([
      { role: 'viewer', token: 'v1' },
      { role: 'admin', token: 'a:b:c' },
      { role: 'operator', token: 'o1' },
    ]);
    expect(parseTokenList('')).toEqual([]);
  });

  it('reads a token file: one "role token" a line, comments and blank lines skipped', () => {
    const file =
      '# ops team\n\nviewer   v-secret\r\n  # indented comment\noperator\to-secret\nadmin a#1\n';
    expect(parseTokenFile(file)).toEqual([
      { role: 'viewer', token: 'v-secret' },
      { role: 'operator', token: 'o-secret' },
      { role: 'admin', token: 'a#1' },
    ]);
  });

  it.each([
    ['an unknown role', () => parseTokenList('root:s3cret-value'), 'unknown role'],
    ['a missing token', () => parseTokenList('admin:'), 'empty token'],
    ['no colon', () => parseTokenList('s3cret-value'), 'unknown role'],
    ['three fields', () => parseTokenFile('admin s3cret-value extra', 'tokens.txt'), 'line 1'],
    ['one field', () => parseTokenFile('\nadmin', 'tokens.txt'), 'tokens.txt line 2'],
  ])('refuses %s with INVALID_CONFIG, never echoing the token', (_name, run, says) => {
    const error = configError(run);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain(says);
    expect(error.message).not.toContain('s3cret-value');
  });

  it('refuses one token with two roles', () => {
    expect(
      configError(
        () =>
          new TokenTable([
            { role: 'viewer', token: 'same' },
            { role: 'admin', token: 'same' },
          ]),
      ).code,
    ).toBe('INVALID_CONFIG');
  });
});

describe('TokenTable', () => {
  const table = new TokenTable([
    { role: 'viewer', token: 'v-token' },
    { role: 'admin', token: 'a-token', name: 'ops' },
  ]);

  it('finds the caller of a known token, named by role and fingerprint or by its name', () => {
    expect(table.lookup('v-token')).toEqual({
      role: 'viewer',
      name: expect.stringMatching(/^viewer#[0-9a-f]{8}$/),
    });
    expect(table.lookup('a-token')).toEqual({ role: 'admin', name: 'ops' });
    expect(table.size).toBe(2);
  });

  it('knows no other token, prefix or empty string', () => {
    for (const token of ['', 'v-toke', 'v-token ', 'V-TOKEN', 'a-token-2']) {
      expect(table.lookup(token)).toBeUndefined();
    }
  });
});
