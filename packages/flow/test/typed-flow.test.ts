import { describe, expect, it } from 'vitest';
import { Dag } from '../src/dag.js';
import { describeDag } from '../src/describe.js';
import { validateDag } from '../src/graph.js';
import {
  type StandardSchemaV1,
  checkSchema,
  describeIssues,
  inputJsonSchemaOf,
} from '../src/standard-schema.js';
import { typedFlow } from '../src/typed-flow.js';

/** A hand-written Standard Schema: a number >= 0, given back doubled. */
const doubled: StandardSchemaV1<number, number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof value === 'number' && value >= 0
        ? { value: value * 2 }
        : { issues: [{ message: 'Expected a number >= 0', path: [{ key: 'n' }, 0, Symbol('s')] }] },
  },
};

describe('typedFlow', () => {
  it('compiles to the vertices and edges of the same flow written with string ids', () => {
    const a = (n: number) => n + 1;
    const b = (n: number) => n * 2;
    const join = (parts: { a: number; b: number }) => parts.a + parts.b;
    const typed = typedFlow<number>()
      .node('a', a, { retries: 2 })
      .node('b', 'a', b)
      .node('c', ['a', 'b'], join)
      .node('d', ['c'], (n) => n);
    const fromTyped = new Dag();
    typed.defineOn(fromTyped);
    const plain = new Dag()
      .node('a', a, { retries: 2 })
      .node('b', b)
      .node('c', join)
      .node('d', (n: number) => n)
      .edge('a', 'b')
      .edge('a', 'c')
      .edge('b', 'c')
      .edge('c', 'd');
    expect(describeDag(validateDag(fromTyped))).toEqual(describeDag(validateDag(plain)));
    expect(fromTyped.vertices.map((vertex) => vertex.kind === 'task' && vertex.handler)).toEqual([
      a,
      b,
      join,
      expect.any(Function),
    ]);
  });

  it('makes a new builder at each step, and carries the input schema', () => {
    const start = typedFlow({ input: doubled });
    const one = start.node('x', (n) => n);
    one.node('y', 'x', (n) => n);
    const dag = new Dag();
    one.defineOn(dag);
    expect(dag.vertices.map((vertex) => vertex.id)).toEqual(['x']);
    expect(one.input).toBe(doubled);
    expect(typedFlow<number>().input).toBeUndefined();
  });
});

describe('Standard Schema helpers', () => {
  it("answers the schema's value, or its issues as plain JSON", async () => {
    expect(await checkSchema(doubled, 4)).toEqual({ ok: true, value: 8 });
    const failed = await checkSchema(doubled, -1);
    expect(failed).toEqual({
      ok: false,
      issues: [{ message: 'Expected a number >= 0', path: ['n', 0, 'Symbol(s)'] }],
    });
  });

  it('awaits an async validate', async () => {
    const later: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => Promise.resolve({ issues: [{ message: 'no' }] }),
      },
    };
    expect(await checkSchema(later, 1)).toEqual({
      ok: false,
      issues: [{ message: 'no', path: [] }],
    });
  });

  it('describes issues on one line', () => {
    expect(
      describeIssues([
        { message: 'Invalid email', path: ['user', 'email'] },
        { message: 'Required', path: [] },
      ]),
    ).toBe('user.email: Invalid email; Required');
  });

  it('gives the JSON Schema of a schema that has one, and none for one that cannot convert', () => {
    const converting: StandardSchemaV1 = {
      '~standard': {
        ...doubled['~standard'],
        jsonSchema: { input: ({ target }) => ({ type: 'number', minimum: 0, target }) },
      },
    };
    const refusing: StandardSchemaV1 = {
      '~standard': {
        ...doubled['~standard'],
        jsonSchema: {
          input: () => {
            throw new Error('a refinement has no JSON Schema');
          },
        },
      },
    };
    expect(inputJsonSchemaOf(converting)).toEqual({
      type: 'number',
      minimum: 0,
      target: 'draft-2020-12',
    });
    expect(inputJsonSchemaOf(refusing)).toBeUndefined();
    expect(inputJsonSchemaOf(doubled)).toBeUndefined();
  });
});
