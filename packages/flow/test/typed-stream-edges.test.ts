import { describe, expect, it } from 'vitest';
import { Dag } from '../src/dag.js';
import { describeDag } from '../src/describe.js';
import { DagValidationError, ErrorCode } from '../src/errors.js';
import { validateDag } from '../src/graph.js';
import { type StreamInput, typedFlow } from '../src/index.js';

describe('typedFlow stream edges', () => {
  it('compile to the Dag of the string-id form: the same vertices, options and stream edge', () => {
    const llm = (prompt: string) => prompt.toUpperCase();
    const speak = async (tokens: StreamInput<string, string>) => (await tokens.output()).length;
    const log = (n: number) => n;
    const typed = typedFlow<string>()
      .node('llm', llm)
      .node('speak', 'llm', speak, { stream: true, retries: 2 })
      .node('log', 'speak', log);
    const fromTyped = new Dag();
    typed.defineOn(fromTyped);
    const plain = new Dag()
      .node('llm', llm)
      .node('speak', speak, { retries: 2 })
      .node('log', log)
      .edge('llm', 'speak', { stream: true })
      .edge('speak', 'log');
    expect(fromTyped.edges).toEqual(plain.edges);
    expect(fromTyped.vertices).toEqual(plain.vertices);
    expect(describeDag(validateDag(fromTyped))).toEqual(describeDag(validateDag(plain)));
    expect(describeDag(validateDag(fromTyped)).edges[0]).toEqual({
      from: 'llm',
      to: 'speak',
      stream: true,
    });
  });

  it('refuses stream without exactly one parent, should the types be bypassed', () => {
    const refusal = (build: () => unknown): unknown => {
      try {
        build();
      } catch (error) {
        if (error instanceof DagValidationError) return { code: error.code, nodes: error.nodes };
        throw error;
      }
      return undefined;
    };
    const start = typedFlow<number>()
      .node('a', (n) => n)
      .node('b', (n) => n);
    const options = { stream: true } as object;
    expect(refusal(() => start.node('c', (n) => n, options))).toEqual({
      code: ErrorCode.DAG_INVALID_OPTION,
      nodes: ['c'],
    });
    expect(refusal(() => start.node('c', ['a', 'b'], (n) => n, options))).toEqual({
      code: ErrorCode.DAG_INVALID_OPTION,
      nodes: ['c'],
    });
  });

  it('are checked like any stream edge when the DAG is validated: a waiting parent is refused', () => {
    const typed = typedFlow<number>()
      .signal('approve')
      .node('read', 'approve', async (chunks: StreamInput) => chunks.output(), { stream: true });
    const dag = new Dag();
    typed.defineOn(dag);
    expect(() => validateDag(dag)).toThrow(
      expect.objectContaining({
        code: ErrorCode.DAG_INVALID_OPTION,
        nodes: ['approve', 'read'],
      }) as Error,
    );
  });
});
