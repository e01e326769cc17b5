import { describe, expect, it } from 'vitest';
import { DagflowError, ErrorCode, parseDefinition } from '../src/index.js';
import { jsonDepth, yamlDepth } from '../src/infra/nesting-depth.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof DagflowError ? error.code : `not a DagflowError: ${String(error)}`;
  }
  return undefined;
}

describe('nesting depth before parsing', () => {
  it('counts JSON arrays and objects, not brackets in strings', () => {
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('[[1], {"a": [2]}]')).toBe(3);
    expect(jsonDepth('{"a": "[[[[\\"[["}')).toBe(1);
    expect(jsonDepth('['.repeat(1000))).toBe(1000);
  });

  it('bounds YAML nesting from indentation, indicators and flow brackets', () => {
    expect(yamlDepth('name: x\nnodes:\n  - id: a\n    op: http\n')).toBeLessThanOrEqual(4);
    expect(yamlDepth('a: \'[[[[\' # [[[[\nb: "{{{"\n')).toBeLessThanOrEqual(2);
    expect(yamlDepth('['.repeat(1000))).toBeGreaterThan(1000);
    expect(yamlDepth('- '.repeat(200) + 'x')).toBeGreaterThanOrEqual(200);
    const stairs = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(yamlDepth(stairs)).toBeGreaterThanOrEqual(100);
  });

  it('rejects deep or huge definitions before parsing, and YAML alias bombs while parsing', () => {
    expect(codeOf(() => parseDefinition('['.repeat(1000), 'yaml'))).toBe(
      ErrorCode.DEFINITION_INVALID,
    );
    expect(codeOf(() => parseDefinition('['.repeat(1000), 'json'))).toBe(
      ErrorCode.DEFINITION_INVALID,
    );
    expect(codeOf(() => parseDefinition(' '.repeat(2 * 1024 * 1024), 'yaml'))).toBe(
      ErrorCode.PAYLOAD_TOO_LARGE,
    );
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
      .concat(
        Array.from(
          { length: 9 },
          (_, i) => `${'b'.repeat(i + 1)}: &b${i} [${'*a, '.repeat(20)}*a]`,
        ),
      )
      .join('\n');
    expect(codeOf(() => parseDefinition(bomb, 'yaml'))).toBe(ErrorCode.DEFINITION_INVALID);
    expect(parseDefinition('name: x\nnodes: [{ id: a, op: http }]\n', 'yaml')).toEqual({
      name: 'x',
      nodes: [{ id: 'a', op: 'http' }],
    });
  });
});
