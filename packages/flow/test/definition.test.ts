import { describe, expect, it } from 'vitest';
import { dagFromDefinition, type Operation } from '../src/definition/definition.js';
import { describeDag } from '../src/describe.js';
import { DagValidationError, ErrorCode } from '../src/errors.js';
import { dagFromDescription } from '../src/from-description.js';
import { validateDag } from '../src/graph.js';

const operations = new Map<string, Operation>([['echo', (input) => input]]);

/** The definition of a flow: a producer streaming to a consumer, then an event wait. */
function streamingFlow(wait: unknown, edge: unknown = { from: 'llm', to: 'speak', stream: true }) {
  return {
    name: 'orders',
    nodes: [
      { id: 'llm', op: 'echo' },
      { id: 'speak', op: 'echo' },
      { id: 'paid', waitFor: wait },
    ],
    edges: [edge, ['speak', 'paid']],
  };
}

/** The validation error building (and validating) `definition` gives. */
function refusal(definition: unknown): DagValidationError {
  try {
    validateDag(dagFromDefinition(definition, operations));
  } catch (error) {
    if (error instanceof DagValidationError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('declarative definitions: event waits and stream edges', () => {
  it('build the same DAG as dag.waitFor and dag.edge(..., { stream: true })', () => {
    const wait = {
      event: 'payment.succeeded',
      match: { 'data.orderId': '$.orderId' },
      timeoutMs: 5_000,
      lookbackMs: 1_000,
    };
    const dag = dagFromDefinition(streamingFlow(wait), operations);
    const paid = dag.vertices.find((vertex) => vertex.id === 'paid');
    expect(paid?.kind === 'task' ? paid.wait : undefined).toEqual({ kind: 'event', ...wait });
    expect(dag.edges).toEqual([
      { from: 'llm', to: 'speak', stream: true },
      { from: 'speak', to: 'paid' },
    ]);
    const description = describeDag(validateDag(dag));
    expect(description.edges[0]).toEqual({ from: 'llm', to: 'speak', stream: true });
    // The description round trip keeps both.
    expect(describeDag(validateDag(dagFromDescription(description)))).toEqual(description);
  });

  it('takes a wait with its event only (match {}: the first event of that name)', () => {
    const dag = dagFromDefinition(streamingFlow({ event: 'tick' }), operations);
    const paid = dag.vertices.find((vertex) => vertex.id === 'paid');
    expect(paid?.kind === 'task' ? paid.wait : undefined).toEqual({
      kind: 'event',
      event: 'tick',
      match: {},
    });
  });

  it.each([
    ['no event', {}, 'nodes[2].waitFor.event'],
    ['an empty event', { event: '' }, 'nodes[2].waitFor.event'],
    ['a list as waitFor', ['tick'], 'nodes[2].waitFor'],
    ['a list as match', { event: 'e', match: ['x'] }, 'nodes[2].waitFor.match'],
    [
      'a non-string match',
      { event: 'e', match: { 'data.id': 7 } },
      'nodes[2].waitFor.match.data.id',
    ],
    ['a string timeout', { event: 'e', timeoutMs: '5s' }, 'nodes[2].waitFor.timeoutMs'],
    ['a string look-back', { event: 'e', lookbackMs: '1' }, 'nodes[2].waitFor.lookbackMs'],
    ['an unknown field', { event: 'e', timeout: 5 }, 'nodes[2].waitFor.timeout'],
    ['a function field', { event: 'e', fallback: 'x' }, 'nodes[2].waitFor.fallback'],
  ])('refuses a waitFor with %s: DEFINITION_INVALID at its path', (_, wait, path) => {
    expect(refusal(streamingFlow(wait))).toMatchObject({
      code: ErrorCode.DEFINITION_INVALID,
      nodes: [path],
    });
  });

  it.each([
    ['a bad event name', { event: 'a{b}' }],
    ['a match value that is no $.path', { event: 'e', match: { 'data.id': 'id' } }],
    ['a match key that is no dotted path', { event: 'e', match: { 'data..id': '$.id' } }],
    ['a timeout of 0', { event: 'e', timeoutMs: 0 }],
    ['a negative look-back', { event: 'e', lookbackMs: -1 }],
  ])('refuses a waitFor with %s: DAG_INVALID_OPTION naming the node', (_, wait) => {
    expect(refusal(streamingFlow(wait))).toMatchObject({
      code: ErrorCode.DAG_INVALID_OPTION,
      nodes: ['paid'],
    });
  });

  it('refuses a waitFor beside another kind', () => {
    const definition = {
      name: 'x',
      nodes: [{ id: 'a', waitFor: { event: 'e' }, op: 'echo' }],
    };
    expect(refusal(definition)).toMatchObject({
      code: ErrorCode.DEFINITION_INVALID,
      nodes: ['nodes[0]'],
      message: expect.stringContaining(
        'needs exactly one of op, signal, waitFor, sleepMs, flow, subDag, branch, forEach (has op, waitFor)',
      ) as string,
    });
  });

  it.each([
    [
      'a string stream',
      { from: 'llm', to: 'speak', stream: 'yes' },
      'edges[0].stream',
      'DEFINITION_INVALID',
    ],
    [
      'a string executionOnly',
      { from: 'llm', to: 'speak', executionOnly: 1 },
      'edges[0].executionOnly',
      'DEFINITION_INVALID',
    ],
  ])('refuses an edge with %s at its path', (_, edge, path, code) => {
    expect(refusal(streamingFlow({ event: 'e' }, edge))).toMatchObject({ code, nodes: [path] });
  });

  it('refuses stream edges the DAG refuses: into a wait, execution-only, a second edge in', () => {
    const intoWait = {
      name: 'x',
      nodes: [
        { id: 'llm', op: 'echo' },
        { id: 'paid', waitFor: { event: 'e' } },
      ],
      edges: [{ from: 'llm', to: 'paid', stream: true }],
    };
    expect(refusal(intoWait)).toMatchObject({
      code: ErrorCode.DAG_INVALID_OPTION,
      nodes: ['llm', 'paid'],
      message: expect.stringContaining('a node that waits (event)') as string,
    });
    const orderOnly = streamingFlow(
      { event: 'e' },
      {
        from: 'llm',
        to: 'speak',
        stream: true,
        executionOnly: true,
      },
    );
    expect(refusal(orderOnly)).toMatchObject({ code: ErrorCode.DAG_INVALID_OPTION });
    const twoIn = {
      name: 'x',
      nodes: [
        { id: 'a', op: 'echo' },
        { id: 'b', op: 'echo' },
        { id: 'c', op: 'echo' },
      ],
      edges: [{ from: 'a', to: 'c', stream: true }, ['b', 'c']],
    };
    expect(refusal(twoIn)).toMatchObject({
      code: ErrorCode.DAG_INVALID_OPTION,
      message: expect.stringContaining("must be the only edge into 'c' (it has 2)") as string,
    });
  });
});
