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
import { typedFlow } from '../src/index.js';

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

/** The DAG a typed flow compiles to. */
function compiled(flow: { defineOn(dag: Dag): void }): Dag {
  const dag = new Dag();
  flow.defineOn(dag);
  return dag;
}

/**
 * The functions and schemas a DAG was given, inner DAGs included, in vertex order: handlers, fallbacks,
 * compensations, aggregators, output schemas, conditions, foreach functions (not the stand-in handlers
 * that signal and sleep nodes make for themselves).
 */
function suppliedParts(dag: Dag): unknown[] {
  return dag.vertices.flatMap((vertex): unknown[] => {
    const { aggregator } = vertex.options;
    const own = aggregator === undefined ? [] : [aggregator];
    switch (vertex.kind) {
      case 'task': {
        const { fallback, compensate, output } = vertex.options;
        const handler =
          vertex.wait === undefined || vertex.wait.kind === 'flow' ? [vertex.handler] : [];
        return [...handler, ...own, ...[fallback, compensate, output].filter(Boolean)];
      }
      case 'subdag':
        return [...own, ...suppliedParts(vertex.dag)];
      case 'branch':
        return [vertex.condition, ...own, ...[...vertex.branches.values()].flatMap(suppliedParts)];
      case 'foreach':
        return [vertex.foreach, ...own, ...suppliedParts(vertex.body)];
    }
  });
}

/** Expects `typed` to compile to the same DAG as `plain`: same description, same functions given. */
function expectSameDag(typed: Dag, plain: Dag, parts: readonly unknown[]): void {
  expect(describeDag(validateDag(typed))).toEqual(describeDag(validateDag(plain)));
  expect(suppliedParts(typed)).toEqual(parts);
  expect(suppliedParts(plain)).toEqual(parts);
}

describe('typedFlow constructs compile to the DAG the string-id API makes', () => {
  const start = (n: number) => n;
  const half = (n: number) => n / 2;
  const twice = (n: number) => n * 2;

  it('conditionalBranch: one Dag per branch key, filled by its builder, the same condition and aggregator', () => {
    const condition = (n: number) => (n > 0 ? (['pos'] as const) : (['neg', 'pos'] as const));
    const aggregator = (outs: { pos?: number; neg?: number }) => (outs.pos ?? 0) + (outs.neg ?? 0);
    const typed = typedFlow<number>()
      .node('start', start)
      .conditionalBranch('sign', {
        after: 'start',
        condition,
        branches: {
          pos: (b) => b.node('half', half),
          neg: (b) => b.node('a', half).node('b', 'a', twice),
        },
        aggregator,
      });
    const plain = new Dag().node('start', start);
    const { pos, neg } = plain.conditionalBranch('sign', ['pos', 'neg'], condition, { aggregator });
    pos.node('half', half);
    neg.node('a', half).node('b', twice).edge('a', 'b');
    plain.edge('start', 'sign');
    expectSameDag(compiled(typed), plain, [start, condition, aggregator, half, half, twice]);
  });

  it('forEachBranch: the body built once, the same foreach function, limit and aggregator', () => {
    const foreach = (n: number) => ({ a: n, b: n + 1 });
    const aggregator = (outs: Readonly<Record<string, unknown>>) => Object.keys(outs);
    const typed = typedFlow<number>().forEachBranch('each', {
      foreach,
      body: (item) => item.node('half', half).node('twice', ['half'], twice),
      maxConcurrency: 2,
      aggregator,
    });
    const plain = new Dag();
    plain
      .forEachBranch('each', foreach, { aggregator, maxConcurrency: 2 })
      .node('half', half)
      .node('twice', twice)
      .edge('half', 'twice');
    expectSameDag(compiled(typed), plain, [foreach, aggregator, half, twice]);
  });

  it('subDag: the sub-DAG its builder fills, after its parents, with its aggregator', () => {
    const aggregator = (out: Readonly<Record<string, unknown>>) => Object.keys(out).length;
    const typed = typedFlow<number>()
      .node('start', start)
      .subDag('sub', {
        after: ['start'],
        sub: (sub) => sub.node('half', half).node('twice', twice),
        aggregator,
      });
    const inner = new Dag().node('half', half).node('twice', twice);
    const plain = new Dag()
      .node('start', start)
      .subDag('sub', inner, { aggregator })
      .edge('start', 'sub');
    expectSameDag(compiled(typed), plain, [start, aggregator, half, twice]);
  });

  it('signal and sleep: the same waits, timeout, fallback and payload schema', () => {
    const fallback = () => 0;
    const typed = typedFlow<number>()
      .node('start', start)
      .signal('approve', { after: 'start', timeoutMs: 500, fallback, payload: doubled })
      .signal('free')
      .sleep('nap', 250, { after: ['approve', 'free'] });
    const plain = new Dag()
      .node('start', start)
      .signal('approve', { timeoutMs: 500, fallback, payload: doubled })
      .signal('free')
      .sleep('nap', 250)
      .edge('start', 'approve')
      .edge('approve', 'nap')
      .edge('free', 'nap');
    expectSameDag(compiled(typed), plain, [start, fallback, doubled]);
    const approve = compiled(typed).vertices.find((vertex) => vertex.id === 'approve');
    expect(approve?.kind === 'task' && approve.wait).toEqual({ kind: 'signal', timeoutMs: 500 });
  });

  it('waitFor: the same event wait, its data typed and checked by its schema', () => {
    const fallback = () => 0;
    const match = { 'data.orderId': '$.id' };
    const typed = typedFlow<{ id: string }>()
      .node('start', (order) => order)
      .waitFor('paid', {
        after: 'start',
        event: 'payment.succeeded',
        match,
        timeoutMs: 500,
        fallback,
        data: doubled,
      })
      .node('receipt', 'paid', (paid) => paid + 1);
    const approve = compiled(typed).vertices.find((vertex) => vertex.id === 'paid');
    expect(approve?.kind === 'task' && approve.wait).toEqual({
      kind: 'event',
      event: 'payment.succeeded',
      match,
      timeoutMs: 500,
    });
    expect(approve?.kind === 'task' && approve.options).toEqual({ fallback, output: doubled });
  });

  it("flow: a child-flow node of the named flow, with the input mapping (the definition's types only)", () => {
    const child = typedFlow<{ cents: number }>().node('charge', (p) => p.cents);
    const input = (n: number) => ({ cents: n * 100 });
    const again = (result: number) => ({ cents: result });
    const typed = typedFlow<number>()
      .node('start', start)
      .flow('pay', 'payments', child, { after: 'start', input })
      .flow('again', 'payments', child, { after: 'pay', input: again })
      .flow('root', 'counter', typedFlow<number>().node('n', start));
    const plain = new Dag()
      .node('start', start)
      .flow('pay', 'payments', { input })
      .flow('again', 'payments', { input: again })
      .flow('root', 'counter')
      .edge('start', 'pay')
      .edge('pay', 'again');
    // The root child flow's handler is the stand-in that passes the input as it is.
    expectSameDag(compiled(typed), plain, [start, input, again, expect.any(Function)]);
    const root = compiled(typed).vertices.find((vertex) => vertex.id === 'root');
    expect(root?.kind === 'task' && root.wait).toEqual({ kind: 'flow', flow: 'counter' });
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
