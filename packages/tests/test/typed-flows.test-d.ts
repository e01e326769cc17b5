import {
  type FlowHandle,
  type FlowInput,
  type FlowResult,
  FlowClient,
  FlowService,
  type RequestState,
  typedFlow,
} from '@dagflow/engine';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const service = new FlowService();

describe('typedFlow: types along the edges', () => {
  it("gives a child its parent's output type and a join the object of its parents' outputs", () => {
    typedFlow<{ userId: number }>()
      .node('fetch', (input) => {
        expectTypeOf(input).toEqualTypeOf<{ userId: number }>();
        return { name: 'ada', age: 36 };
      })
      .node('age', 'fetch', (user) => {
        expectTypeOf(user).toEqualTypeOf<{ name: string; age: number }>();
        return user.age;
      })
      .node('greet', ['fetch'], (user) => {
        // A list of one parent is still one parent: its output, not an object.
        expectTypeOf(user).toEqualTypeOf<{ name: string; age: number }>();
        return `hi ${user.name}`;
      })
      .node('card', ['fetch', 'age', 'greet'], (parts) => {
        expectTypeOf(parts).toEqualTypeOf<{
          fetch: { name: string; age: number };
          age: number;
          greet: string;
        }>();
        return parts.greet.length + parts.age;
      });
  });

  it('makes a type mismatch along an edge a compile error', () => {
    typedFlow<string>()
      .node('length', (text) => text.length)
      // @ts-expect-error the parent outputs a number, the handler takes a string
      .node('shout', 'length', (text: string) => text.toUpperCase());
    typedFlow<string>()
      .node('length', (text) => text.length)
      .node('words', (text) => text.split(' '))
      // @ts-expect-error `words` is string[], not string
      .node('join', ['length', 'words'], (parts: { length: number; words: string }) => parts);
  });

  it('refuses an unknown parent and a duplicate id', () => {
    const flow = typedFlow<number>().node('double', (n) => n * 2);
    // @ts-expect-error no node 'triple' in this flow
    flow.node('after', 'triple', () => 0);
    // @ts-expect-error 'double' is taken
    flow.node('double', (n) => n);
    // @ts-expect-error a list of parents names at least one
    flow.node('orphan', [], () => 0);
  });

  it("types fallback and compensate with the node's input and output", () => {
    typedFlow<number>().node('half', (n) => n / 2, {
      fallback: (input, _ctx, error) => {
        expectTypeOf(input).toEqualTypeOf<number>();
        expectTypeOf(error).toEqualTypeOf<Error>();
        return 0;
      },
      compensate: (input, output) => {
        expectTypeOf(input).toEqualTypeOf<number>();
        expectTypeOf(output).toEqualTypeOf<number>();
      },
    });
    // @ts-expect-error the fallback must stand in with the node's output type
    typedFlow<number>().node('half', (n) => n / 2, { fallback: () => 'none' });
  });
});

describe('results and handles', () => {
  it("types the result as the terminal's output, or { terminalId: output } for several", () => {
    const one = typedFlow<string>()
      .node('a', (s) => s.length)
      .node('b', 'a', (n) => n > 3);
    expectTypeOf<FlowResult<typeof one>>().toEqualTypeOf<boolean>();
    expectTypeOf<FlowInput<typeof one>>().toEqualTypeOf<string>();
    const _two = one.node('c', 'a', (n) => [n]);
    expectTypeOf<FlowResult<typeof _two>>().toEqualTypeOf<{ b: boolean; c: number[] }>();
  });

  it('types execute and waitForResult of the handle register returns', async () => {
    const flow = typedFlow<{ text: string }>().node('count', (input) => input.text.length);
    const handle = service.register('count', flow);
    expectTypeOf(handle).toEqualTypeOf<FlowHandle<{ text: string }, number>>();
    const id = await handle.execute({ text: 'hello' }, { priority: 1 });
    expectTypeOf(id).toEqualTypeOf<string>();
    expectTypeOf(await handle.waitForResult(id, { timeoutMs: 1_000 })).toEqualTypeOf<number>();
    expectTypeOf(await handle.result(id)).toEqualTypeOf<number>();
    expectTypeOf(await handle.state(id)).toEqualTypeOf<RequestState>();
    // @ts-expect-error the flow takes { text: string }
    await handle.execute({ text: 42 });
    // @ts-expect-error the result is a number
    const wrong: string = await handle.waitForResult(id);
    void wrong;
  });

  it('keeps the string-id API: an untyped handle', async () => {
    const handle = service.register('plain', (dag) => dag.node('a', (n: number) => n + 1));
    expectTypeOf(handle).toEqualTypeOf<FlowHandle<unknown, unknown>>();
    expectTypeOf(await handle.waitForResult('id')).toEqualTypeOf<unknown>();
    expectTypeOf(await service.execute('plain', 'anything')).toEqualTypeOf<string>();
  });

  it('gives a client a handle typed from the flow definition', async () => {
    // A client process imports the definition's type only.
    const _square = typedFlow<number>().node('square', (n) => n * n);
    const client = new FlowClient();
    const handle = client.flow<FlowInput<typeof _square>, FlowResult<typeof _square>>('square');
    expectTypeOf(await handle.waitForResult(await handle.execute(3))).toEqualTypeOf<number>();
    // @ts-expect-error the flow takes a number
    await handle.execute('3');
  });
});

describe('Standard Schemas', () => {
  it("types execute with a zod input schema's input and the roots with its output", async () => {
    const flow = typedFlow({
      input: z.object({ email: z.string(), plan: z.enum(['free', 'pro']).default('free') }),
    }).node('plan', (input) => {
      // After the schema: the default is filled in.
      expectTypeOf(input).toEqualTypeOf<{ email: string; plan: 'free' | 'pro' }>();
      return input.plan;
    });
    expectTypeOf<FlowInput<typeof flow>>().toEqualTypeOf<{
      email: string;
      plan?: 'free' | 'pro' | undefined;
    }>();
    const handle = service.register('signup', flow);
    await handle.execute({ email: 'a@b.co' });
    // @ts-expect-error email is required
    await handle.execute({ plan: 'pro' });
    expectTypeOf(await handle.waitForResult('id')).toEqualTypeOf<'free' | 'pro'>();
  });

  it("types a node's output with its output schema's output (valibot)", () => {
    const _parsed = typedFlow<string>()
      .node('parse', (text) => Number(text), {
        output: v.pipe(
          v.number(),
          v.transform((n) => ({ n })),
        ),
      })
      .node('use', 'parse', (parsed) => {
        expectTypeOf(parsed).toEqualTypeOf<{ n: number }>();
        return parsed.n;
      });
    expectTypeOf<FlowResult<typeof _parsed>>().toEqualTypeOf<number>();
  });

  it('types the handle of a string-id flow from its input schema', async () => {
    const handle = service.register('greet', (dag) => dag.node('hello', (name: string) => name), {
      input: v.object({ name: v.string() }),
    });
    expectTypeOf(handle).toEqualTypeOf<FlowHandle<{ name: string }, unknown>>();
    // @ts-expect-error name must be a string
    await handle.execute({ name: 1 });
  });
});

describe('concurrency keys', () => {
  it("gives the key function the flow's input: typed flow, input schema, declared parameter", () => {
    const flow = typedFlow<{ customerId: string }>().node('sync', (input) => input.customerId);
    service.register('typed-key', flow, {
      concurrency: { key: (input) => input.customerId, limit: 1 },
    });
    service.register('schema-key', (dag) => dag.node('sync', () => 1), {
      input: z.object({ customer: z.object({ id: z.string() }) }),
      concurrency: { key: (input) => input.customer.id, limit: 1 },
    });
    service.register('declared-key', (dag) => dag.node('sync', () => 1), {
      concurrency: { key: (input: { customerId: string }) => input.customerId, limit: 1 },
    });
    service.register('untyped-key', (dag) => dag.node('sync', () => 1), {
      concurrency: {
        key: (input) => {
          expectTypeOf(input).toBeUnknown();
          return String(input);
        },
        limit: 1,
      },
    });
    service.register('wrong-key', flow, {
      // @ts-expect-error the flow's input has no `customer`
      concurrency: { key: (input) => String(input.customer), limit: 1 },
    });
  });
});
