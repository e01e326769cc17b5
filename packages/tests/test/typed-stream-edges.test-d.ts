import { type StreamInput, type FlowResult, typedFlow } from '@dagflow/engine';
import { describe, expectTypeOf, it } from 'vitest';

describe('typedFlow: stream edges', () => {
  it("gives the consumer a StreamInput of the chunks it declares, whose output() is the parent's output", () => {
    const flow = typedFlow<string>()
      .node('llm', async (prompt, ctx) => {
        await ctx.emit(prompt);
        return { text: prompt, tokens: 1 };
      })
      .node(
        'speak',
        'llm',
        async (tokens: StreamInput<string>) => {
          const said: string[] = [];
          for await (const token of tokens) said.push(token);
          return said.length;
        },
        { stream: true, retries: 2 },
      )
      .node('log', 'speak', (count) => {
        expectTypeOf(count).toEqualTypeOf<number>();
        return `${count} tokens`;
      });
    expectTypeOf(flow.resultType).toEqualTypeOf<string>();
    expectTypeOf<FlowResult<typeof flow>>().toEqualTypeOf<string>();
  });

  it("types an unannotated consumer's chunks unknown and its output() as the parent's", () => {
    typedFlow<number>()
      .node('count', (n) => ({ n }))
      .node(
        'read',
        'count',
        async (chunks) => {
          expectTypeOf(chunks).toEqualTypeOf<StreamInput<unknown, { n: number }>>();
          for await (const chunk of chunks) expectTypeOf(chunk).toBeUnknown();
          const out = await chunks.output();
          expectTypeOf(out).toEqualTypeOf<{ n: number }>();
          return out.n;
        },
        { stream: true },
      );
  });

  it('refuses misuse at compile time', () => {
    const start = typedFlow<string>()
      .node('a', (s) => s.length)
      .node('b', (s) => s.toUpperCase());
    // A stream consumer's input is the stream, not the parent's output.
    // @ts-expect-error -- handler takes number, the input is a StreamInput
    start.node('c', 'a', (n: number) => n + 1, { stream: true });
    // A root node has no edge to stream over.
    // @ts-expect-error -- stream on a root node
    start.node('c', (s) => s, { stream: true });
    // A stream edge is the consumer's only edge in: no join.
    // @ts-expect-error -- stream on a join
    start.node('c', ['a', 'b'], (parts) => parts, { stream: true });
    // Streaming from an unknown node.
    // @ts-expect-error -- 'zz' is no node
    start.node('c', 'zz', (chunks: StreamInput) => chunks, { stream: true });
    // A plain node's options have no stream flag of another value.
    // @ts-expect-error -- stream must be true
    start.node('c', 'a', (n) => n, { stream: 'yes' });
  });
});
