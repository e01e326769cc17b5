import { describe, expect, it } from 'vitest';
import { Dag } from '../src/dag.js';
import { describeDag } from '../src/describe.js';
import { dagFromDescription } from '../src/from-description.js';
import { DagValidationError, ErrorCode } from '../src/errors.js';
import { validateDag } from '../src/graph.js';

const noop = (): null => null;

/** The validation error a DAG gets, or undefined. */
function refusal(dag: Dag): DagValidationError | undefined {
  try {
    validateDag(dag);
    return undefined;
  } catch (error) {
    if (error instanceof DagValidationError) return error;
    throw error;
  }
}

describe('stream edges', () => {
  it('round-trips through the published description, inside a sub-DAG too', () => {
    const dag = new Dag();
    dag.node('llm', noop).node('speak', noop).node('log', noop);
    const inner = new Dag();
    inner.node('a', noop).node('b', noop).edge('a', 'b', { stream: true });
    dag.subDag('s', inner);
    dag.edge('llm', 'speak', { stream: true }).edge('llm', 'log').edge('speak', 's');
    const description = describeDag(validateDag(dag));
    expect(description.edges).toEqual([
      { from: 'llm', to: 'speak', stream: true },
      { from: 'llm', to: 'log' },
      { from: 'speak', to: 's' },
    ]);
    expect(description.nodes.find((node) => node.id === 's')?.dag?.edges).toEqual([
      { from: 'a', to: 'b', stream: true },
    ]);
    const rebuilt = dagFromDescription(description);
    expect(rebuilt.edges.find((edge) => edge.to === 'speak')).toMatchObject({ stream: true });
    expect(describeDag(validateDag(rebuilt))).toEqual(description);
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });

  it('refuses a composite at either end, naming both ends', () => {
    const composite = new Dag();
    composite.node('llm', noop).subDag('s', new Dag().node('x', noop));
    composite.edge('llm', 's', { stream: true });
    expect(refusal(composite)).toMatchObject({
      code: ErrorCode.DAG_INVALID_OPTION,
      nodes: ['llm', 's'],
      message: expect.stringContaining('a sub-DAG vertex') as string,
    });
    const each = new Dag();
    each.forEachBranch('f', () => ({})).node('x', noop);
    each.node('speak', noop).edge('f', 'speak', { stream: true });
    expect(refusal(each)?.message).toContain("joins 'f', a foreach vertex");
  });

  it('refuses a second edge into the consumer, waiting nodes, forward and execution-only', () => {
    const two = new Dag();
    two.node('llm', noop).node('other', noop).node('speak', noop);
    two.edge('llm', 'speak', { stream: true }).edge('other', 'speak');
    expect(refusal(two)).toMatchObject({
      code: ErrorCode.DAG_INVALID_OPTION,
      message: expect.stringContaining("only edge into 'speak' (it has 2)") as string,
    });
    const waits = new Dag();
    waits.signal('approve').node('speak', noop).edge('approve', 'speak', { stream: true });
    expect(refusal(waits)?.message).toContain('a node that waits (signal)');
    const forward = new Dag();
    forward.node('llm', noop).node('speak', noop);
    forward.edge('llm', 'speak', { stream: true, forward: (o) => o });
    expect(refusal(forward)?.message).toContain('cannot forward or be execution-only');
    const ordered = new Dag();
    ordered.node('llm', noop).node('speak', noop);
    ordered.edge('llm', 'speak', { stream: true, executionOnly: true });
    expect(refusal(ordered)?.code).toBe(ErrorCode.DAG_INVALID_OPTION);
  });

  it('accepts several consumers of one producer', () => {
    const dag = new Dag();
    dag.node('llm', noop).node('speak', noop).node('show', noop);
    dag.edge('llm', 'speak', { stream: true }).edge('llm', 'show', { stream: true });
    expect(refusal(dag)).toBeUndefined();
  });
});
