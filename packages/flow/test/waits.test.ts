import { describe, expect, it } from 'vitest';
import { Dag } from '../src/dag.js';
import { dagFromDefinition } from '../src/definition/definition.js';
import { describeDag } from '../src/describe.js';
import { DagValidationError, ErrorCode } from '../src/errors.js';
import { dagFromDescription } from '../src/from-description.js';
import { validateDag } from '../src/graph.js';

function codeOf(build: () => unknown): string | undefined {
  try {
    build();
  } catch (error) {
    if (error instanceof DagValidationError) return error.code;
    throw error;
  }
  return undefined;
}

/** start -> approve (signal) -> nap (sleep) -> sub (child flow) -> done (delayed). */
function waiting(): Dag {
  return new Dag()
    .node('start', (input: unknown) => input)
    .signal('approve', { timeoutMs: 1_000 })
    .sleep('nap', 250)
    .flow('sub', 'other-flow', { input: (payload: { n: number }) => payload.n })
    .node('done', (input: unknown) => input, { delayMs: 50 })
    .edge('start', 'approve')
    .edge('approve', 'nap')
    .edge('nap', 'sub')
    .edge('sub', 'done');
}

describe('event waits', () => {
  it('say what they wait for, are described and rebuilt as they were', () => {
    const dag = new Dag()
      .node('order', (input: unknown) => input)
      .waitFor('paid', {
        event: 'payment.succeeded',
        match: { 'data.orderId': '$.id', event: '$' },
        timeoutMs: 1_000,
        lookbackMs: 500,
      })
      .edge('order', 'paid');
    const paid = dag.vertices.find((vertex) => vertex.id === 'paid');
    expect(paid?.kind === 'task' && paid.wait).toEqual({
      kind: 'event',
      event: 'payment.succeeded',
      match: { 'data.orderId': '$.id', event: '$' },
      timeoutMs: 1_000,
      lookbackMs: 500,
    });
    const description = describeDag(validateDag(dag));
    expect(describeDag(validateDag(dagFromDescription(description)))).toEqual(description);
  });

  it('refuse invalid events, match expressions and times', () => {
    const wait = (options: Parameters<Dag['waitFor']>[1]) => () => new Dag().waitFor('w', options);
    expect(codeOf(wait({ event: 'a{b}' }))).toBe(ErrorCode.DAG_INVALID_OPTION);
    expect(codeOf(wait({ event: 'e', match: { 'data.id': 'id' } }))).toBe(
      ErrorCode.DAG_INVALID_OPTION,
    );
    expect(codeOf(wait({ event: 'e', match: { 'data..id': '$.id' } }))).toBe(
      ErrorCode.DAG_INVALID_OPTION,
    );
    expect(codeOf(wait({ event: 'e', timeoutMs: 0 }))).toBe(ErrorCode.DAG_INVALID_OPTION);
    expect(codeOf(wait({ event: 'e', lookbackMs: -1 }))).toBe(ErrorCode.DAG_INVALID_OPTION);
    expect(codeOf(wait({ event: 'e', match: { 'data.id': '$.id' } }))).toBeUndefined();
  });
});

describe('signal, sleep and child-flow nodes', () => {
  it('are task vertices that say what they wait for', () => {
    const [, approve, nap, sub] = waiting().vertices;
    expect(approve).toMatchObject({ kind: 'task', wait: { kind: 'signal', timeoutMs: 1_000 } });
    expect(nap).toMatchObject({
      kind: 'task',
      wait: { kind: 'sleep', ms: 250 },
      options: { delayMs: 250 },
    });
    expect(sub).toMatchObject({ kind: 'task', wait: { kind: 'flow', flow: 'other-flow' } });
  });

  it("keep a signal's payload schema as the node's output schema", () => {
    const payload = {
      '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) },
    } as const;
    const [signal] = new Dag().signal('approve', { payload }).vertices;
    expect(signal?.kind === 'task' && signal.options.output).toBe(payload);
    expect(new Dag().signal('free').vertices[0]?.options).toEqual({});
  });

  it('make child input with options.input and pass a sleep input through', async () => {
    const [, , nap, sub] = waiting().vertices;
    const run = (vertex: typeof nap, input: unknown) =>
      (vertex?.kind === 'task' ? vertex.handler : () => undefined)(input as never, {} as never);
    expect(await run(sub, { n: 3 })).toBe(3);
    expect(await run(nap, 'same')).toBe('same');
  });

  it('refuse invalid options', () => {
    expect(codeOf(() => new Dag().signal('s', { timeoutMs: 0 }))).toBe(
      ErrorCode.DAG_INVALID_OPTION,
    );
    expect(codeOf(() => new Dag().sleep('s', -1))).toBe(ErrorCode.DAG_INVALID_OPTION);
    expect(codeOf(() => new Dag().node('n', () => 1, { delayMs: Number.NaN }))).toBe(
      ErrorCode.DAG_INVALID_OPTION,
    );
    expect(codeOf(() => new Dag().flow('f', 'bad name'))).toBe(ErrorCode.DAG_INVALID_ID);
  });

  it('are described, and rebuilt from their description as they were', () => {
    const description = describeDag(validateDag(waiting()));
    const byId = Object.fromEntries(description.nodes.map((node) => [node.id, node]));
    expect(byId['approve']).toMatchObject({
      kind: 'task',
      wait: { kind: 'signal', timeoutMs: 1_000 },
    });
    expect(byId['nap']).toMatchObject({ delayMs: 250, wait: { kind: 'sleep', ms: 250 } });
    expect(byId['sub']).toMatchObject({ wait: { kind: 'flow', flow: 'other-flow' } });
    expect(byId['done']).toMatchObject({ delayMs: 50 });
    expect(byId['done']?.wait).toBeUndefined();
    expect(describeDag(validateDag(dagFromDescription(description)))).toEqual(description);
  });

  it('come from a declarative definition, the flow operation as a child-flow node', () => {
    const dag = dagFromDefinition(
      {
        name: 'waits',
        nodes: [
          { id: 'approve', signal: { timeoutMs: 500 } },
          { id: 'nap', sleepMs: 100 },
          { id: 'sub', flow: 'child' },
          { id: 'op', op: 'flow', with: { flow: 'child' } },
        ],
        edges: [
          ['approve', 'nap'],
          ['nap', 'sub'],
          ['sub', 'op'],
        ],
      },
      new Map(),
    );
    expect(
      dag.vertices.map((vertex) => (vertex.kind === 'task' ? vertex.wait : undefined)),
    ).toEqual([
      { kind: 'signal', timeoutMs: 500 },
      { kind: 'sleep', ms: 100 },
      { kind: 'flow', flow: 'child' },
      { kind: 'flow', flow: 'child' },
    ]);
    const twoKinds = () =>
      dagFromDefinition({ name: 'x', nodes: [{ id: 'a', signal: {}, sleepMs: 1 }] }, new Map());
    expect(codeOf(twoKinds)).toBe(ErrorCode.DEFINITION_INVALID);
  });
});
