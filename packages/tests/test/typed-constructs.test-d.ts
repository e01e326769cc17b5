import { type FlowResult, FlowService, typedFlow } from '@dagflow/engine';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type checkout } from './fixtures/typed-constructs.mjs';

const service = new FlowService();
const person = typedFlow<{ name: string; age: number }>().node('person', (p) => p);

describe('conditionalBranch', () => {
  it('types each branch root with the vertex input and the output as the picked branches deliver it', () => {
    const _flow = person
      .conditionalBranch('age', {
        after: 'person',
        condition: (p) => (p.age >= 18 ? ['adult'] : ['minor', 'school']),
        branches: {
          adult: (b) =>
            b.node('welcome', (p) => {
              expectTypeOf(p).toEqualTypeOf<{ name: string; age: number }>();
              return `welcome ${p.name}`;
            }),
          minor: (b) => b.node('ask', () => ({ parentNeeded: true })),
          // Two terminals: the branch delivers { [terminalId]: output }.
          school: (b) => b.node('grade', (p) => p.age - 5).node('city', () => 'Lyon'),
        },
      })
      .node('done', 'age', (out) => {
        // A tuple per path: exactly the keys that path picks; none may be empty, so no pass-through.
        expectTypeOf(out).toEqualTypeOf<
          | { adult: string }
          | { minor: { parentNeeded: boolean }; school: { grade: number; city: string } }
        >();
        return 'adult' in out ? out.adult : out.school.city;
      });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<string>();
  });

  it('adds the input (passed through) when the condition may pick nothing, and makes keys optional for arrays', () => {
    const picks = (keys: ('a' | 'b')[]) => keys;
    const _flow = person
      .conditionalBranch('maybe', {
        after: 'person',
        condition: (p) => (p.age > 65 ? ['a'] : []),
        branches: { a: (b) => b.node('pension', () => 1_000) },
      })
      .conditionalBranch('some', {
        condition: (p) => picks(p.age > 1 ? ['a', 'b'] : []),
        branches: { a: (b) => b.node('x', () => 1), b: (b) => b.node('y', () => 'y') },
      });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<{
      maybe: { name: string; age: number } | { a: number };
      some: { name: string; age: number } | { a?: number; b?: string };
    }>();
  });

  it("types the aggregator's input and makes its result the output (plus the pass-through input)", () => {
    const _flow = person.conditionalBranch('score', {
      after: 'person',
      condition: (p) => (p.age > 1 ? ['a', 'b'] : []),
      branches: { a: (b) => b.node('x', () => 1), b: (b) => b.node('y', () => 'two') },
      aggregator: (outs) => {
        expectTypeOf(outs).toEqualTypeOf<{ a: number; b: string }>();
        return outs.a + outs.b.length;
      },
    });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<
      number | { name: string; age: number }
    >();
  });

  it('makes an undeclared key, a mistyped branch and a mistyped aggregator compile errors', () => {
    person.conditionalBranch('b', {
      after: 'person',
      condition: () => ['c'] as const,
      // @ts-expect-error the condition may pick 'c', which has no branch
      branches: { a: (b) => b.node('x', () => 1) },
    });
    person.conditionalBranch('b', {
      after: 'person',
      condition: () => ['a'] as const,
      // @ts-expect-error a branch root gets the vertex input, not a string
      branches: { a: (b) => b.node('x', (s: string) => s) },
    });
    const declared = (p: { age: number }) => (p.age > 1 ? (['a'] as const) : (['b'] as const));
    person.conditionalBranch('b', {
      after: 'person',
      condition: declared,
      branches: { a: (b) => b.node('x', () => 1), b: (b) => b.node('y', () => 2) },
      aggregator: (outs) => {
        // @ts-expect-error only one of a or b runs: `a` may be missing
        const a: number = outs.a;
        return a;
      },
    });
    person
      .conditionalBranch('b', {
        after: 'person',
        condition: () => ['a'] as const,
        branches: { a: (b) => b.node('x', () => 1) },
      })
      // @ts-expect-error the output is { a: number }
      .node('next', 'b', (out: { a: string }) => out);
  });
});

describe('forEachBranch', () => {
  it("types the body's roots with the item and the output as { [itemKey]: bodyResult }", () => {
    const _flow = typedFlow<{ users: { id: string; age: number }[] }>()
      .forEachBranch('each', {
        foreach: (input) => Object.fromEntries(input.users.map((user) => [user.id, user])),
        body: (item) =>
          item
            .node('age', (user) => {
              expectTypeOf(user).toEqualTypeOf<{ id: string; age: number }>();
              return user.age;
            })
            .node('adult', 'age', (age) => age >= 18),
      })
      .node('count', 'each', (adults) => {
        expectTypeOf(adults).toEqualTypeOf<Record<string, boolean>>();
        return Object.values(adults).filter(Boolean).length;
      });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<number>();
  });

  it("makes the aggregator's result the output", () => {
    const _flow = typedFlow<number[]>().forEachBranch('sum', {
      foreach: (ns) => Object.fromEntries(ns.map((n, i) => [`n${i}`, n])),
      body: (item) => item.node('double', (n) => n * 2),
      maxConcurrency: 4,
      aggregator: (outs) => {
        expectTypeOf(outs).toEqualTypeOf<Record<string, number>>();
        return Object.values(outs).reduce((a, b) => a + b, 0);
      },
    });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<number>();
  });

  it('makes a mistyped body and an array of items compile errors', () => {
    typedFlow<{ n: number }>().forEachBranch('each', {
      foreach: (input) => ({ one: input.n }),
      // @ts-expect-error the items are numbers
      body: (item) => item.node('x', (text: string) => text),
    });
    typedFlow<number[]>().forEachBranch('each', {
      // @ts-expect-error the engine wants { [itemKey]: item }, not an array
      foreach: (ns) => ns,
      body: (item) => item.node('x', (n) => n),
    });
  });
});

describe('subDag', () => {
  it("types the sub-DAG's roots with the vertex input and the output with its result", () => {
    const _flow = person
      .subDag('profile', {
        after: 'person',
        sub: (sub) =>
          sub
            .node('initial', (p) => p.name.charAt(0))
            .node('decade', (p) => Math.floor(p.age / 10)),
      })
      .subDag('one', {
        after: ['person', 'profile'],
        sub: (sub) => sub.node('line', ({ person: p, profile }) => `${p.name}: ${profile.initial}`),
        aggregator: (line) => {
          expectTypeOf(line).toEqualTypeOf<string>();
          return line.length;
        },
      });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<number>();
    person.subDag('s', {
      after: 'person',
      // @ts-expect-error the sub-DAG's roots get the person, not a number
      sub: (sub) => sub.node('x', (n: number) => n),
    });
  });

  it('nests: a for-each inside a sub-DAG inside a branch', () => {
    const _flow = typedFlow<{ tags: string[] }>().conditionalBranch('tagged', {
      condition: () => ['yes'] as const,
      branches: {
        yes: (b) =>
          b.subDag('inner', {
            sub: (sub) =>
              sub.forEachBranch('each', {
                foreach: (input) => Object.fromEntries(input.tags.map((tag) => [tag, tag])),
                body: (item) => item.node('len', (tag) => tag.length),
              }),
          }),
      },
    });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<{ yes: Record<string, number> }>();
  });
});

describe('signal and sleep', () => {
  it("types a signal's output with its payload schema (unknown without), and its fallback", () => {
    const _flow = person
      .signal('approve', {
        after: 'person',
        payload: z.object({ by: z.string(), at: z.coerce.date() }),
        timeoutMs: 60_000,
        fallback: (p) => {
          expectTypeOf(p).toEqualTypeOf<{ name: string; age: number }>();
          return { by: 'nobody', at: new Date(0) };
        },
      })
      .signal('note')
      .node('done', ['approve', 'note'], ({ approve, note }) => {
        expectTypeOf(approve).toEqualTypeOf<{ by: string; at: Date }>();
        expectTypeOf(note).toEqualTypeOf<unknown>();
        return approve.by;
      });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<string>();
    person.signal('approve', {
      payload: z.object({ by: z.string() }),
      // @ts-expect-error the fallback stands in for the payload
      fallback: () => 'nobody',
    });
    // @ts-expect-error no node 'review'
    person.signal('approve', { after: 'review' });
    // @ts-expect-error 'person' is taken
    person.signal('person');
  });

  it("types an event wait's output with its data schema (unknown without), and its fallback", () => {
    const _flow = person
      .waitFor('paid', {
        after: 'person',
        event: 'payment.succeeded',
        match: { 'data.name': '$.name' },
        data: z.object({ cents: z.number() }),
        fallback: (p) => {
          expectTypeOf(p).toEqualTypeOf<{ name: string; age: number }>();
          return { cents: 0 };
        },
      })
      .waitFor('any', { event: 'ping' })
      .node('done', ['paid', 'any'], ({ paid, any }) => {
        expectTypeOf(paid).toEqualTypeOf<{ cents: number }>();
        expectTypeOf(any).toEqualTypeOf<unknown>();
        return paid.cents;
      });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<number>();
    person.waitFor('paid', {
      event: 'e',
      data: z.object({ cents: z.number() }),
      // @ts-expect-error the fallback stands in for the data
      fallback: () => 'nothing',
    });
  });

  it('types a sleep as passing its input through', () => {
    const _flow = person
      .node('age', 'person', (p) => p.age)
      .sleep('wait', 1_000, { after: 'age' })
      .sleep('both', 10, { after: ['person', 'wait'] });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<{
      person: { name: string; age: number };
      wait: number;
    }>();
    const _root = typedFlow<string>().sleep('nap', 5);
    expectTypeOf<FlowResult<typeof _root>>().toEqualTypeOf<string>();
    person
      .sleep('nap', 5, { after: 'person' })
      // @ts-expect-error the sleep outputs the person
      .node('next', 'nap', (n: number) => n);
  });
});

describe('flow (child flows)', () => {
  const payments = typedFlow({ input: z.object({ cents: z.number().int() }) }).node(
    'charge',
    (p) => ({ paid: p.cents }),
  );

  it("types the node's output with the child's result and the input mapping with the child's input", () => {
    const _flow = typedFlow<{ total: number }>()
      .flow('pay', 'payments', payments, {
        input: (order) => {
          expectTypeOf(order).toEqualTypeOf<{ total: number }>();
          return { cents: order.total * 100 };
        },
      })
      .node('receipt', 'pay', (paid) => {
        expectTypeOf(paid).toEqualTypeOf<{ paid: number }>();
        return `paid ${paid.paid}`;
      });
    expectTypeOf<FlowResult<typeof _flow>>().toEqualTypeOf<string>();
    // The node's input is the child's input: no mapping needed.
    const _direct = typedFlow<{ cents: number }>().flow('pay', 'payments', payments);
    expectTypeOf<FlowResult<typeof _direct>>().toEqualTypeOf<{ paid: number }>();
    const handle = service.register('direct', _direct);
    expectTypeOf(handle.waitForResult('id')).resolves.toEqualTypeOf<{ paid: number }>();
  });

  it("makes a node input that is not the child's input, unmapped or mapped wrong, a compile error", () => {
    // @ts-expect-error the child flow takes { cents: number }; map it with options.input
    typedFlow<{ total: number }>().flow('pay', 'payments', payments);
    // @ts-expect-error cents must be a number
    typedFlow<{ total: number }>().flow('pay', 'payments', payments, {
      input: (order) => ({ cents: String(order.total) }),
    });
  });
});

describe('the end-to-end fixture', () => {
  it('has the result type the integration test reads', () => {
    expectTypeOf<FlowResult<typeof checkout>>().toEqualTypeOf<{
      lines: Record<string, number>;
      discount:
        | { vip: number }
        | {
            cart: { items: { sku: 'apple' | 'pear' | 'fig'; qty: number }[]; vip: boolean };
            total: number;
          };
      amount: number;
      tax: number;
      approvedBy: string;
    }>();
  });
});
