import { readFileSync } from 'node:fs';
import { dagFromDefinition, type Operation, validateDag } from '@dagflow/flow';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';

// docs/flow-definition.schema.json and the parser (dagFromDefinition) agree: what one takes the other
// takes, what one refuses the other refuses.
const schema = JSON.parse(
  readFileSync(new URL('../../../docs/flow-definition.schema.json', import.meta.url), 'utf8'),
) as object;
const matchesSchema = new Ajv2020({ strict: false }).compile(schema);
const operations = new Map<string, Operation>([['echo', (input) => input]]);

function parses(definition: unknown): boolean {
  try {
    validateDag(dagFromDefinition(definition, operations));
    return true;
  } catch {
    return false;
  }
}

const flow = (nodes: unknown[], edges: unknown[] = []) => ({ name: 'f', nodes, edges });
const op = (id: string) => ({ id, op: 'echo' });

const valid: [string, unknown][] = [
  ['an op chain', flow([op('a'), op('b')], [['a', 'b']])],
  ['a stream edge', flow([op('a'), op('b')], [{ from: 'a', to: 'b', stream: true }])],
  [
    'an execution-only edge',
    flow([op('a'), op('b')], [{ from: 'a', to: 'b', executionOnly: true }]),
  ],
  ['an event wait', flow([{ id: 'w', waitFor: { event: 'paid' } }])],
  [
    'an event wait with every option',
    flow(
      [
        op('a'),
        {
          id: 'w',
          waitFor: {
            event: 'paid',
            match: { 'data.id': '$.id', event: '$' },
            timeoutMs: 10,
            lookbackMs: 5,
          },
        },
      ],
      [['a', 'w']],
    ),
  ],
  [
    'a signal, a sleep, a child flow',
    flow([
      { id: 's', signal: { timeoutMs: 5 } },
      { id: 'z', sleepMs: 1 },
      { id: 'c', flow: 'other' },
    ]),
  ],
];

const invalid: [string, unknown][] = [
  ['a wait without event', flow([{ id: 'w', waitFor: {} }])],
  ['a wait with an unknown field', flow([{ id: 'w', waitFor: { event: 'e', timeout: 5 } }])],
  ['a wait with a bad event name', flow([{ id: 'w', waitFor: { event: 'a b' } }])],
  [
    'a wait with a non-string match',
    flow([{ id: 'w', waitFor: { event: 'e', match: { 'data.id': 1 } } }]),
  ],
  [
    'a wait with a match that is no $.path',
    flow([{ id: 'w', waitFor: { event: 'e', match: { 'data.id': 'id' } } }]),
  ],
  [
    'a wait with a match key that is no path',
    flow([{ id: 'w', waitFor: { event: 'e', match: { 'a..b': '$' } } }]),
  ],
  ['a wait with a zero timeout', flow([{ id: 'w', waitFor: { event: 'e', timeoutMs: 0 } }])],
  ['a wait beside an op', flow([{ id: 'w', op: 'echo', waitFor: { event: 'e' } }])],
  ['a non-boolean stream', flow([op('a'), op('b')], [{ from: 'a', to: 'b', stream: 'yes' }])],
];

describe('docs/flow-definition.schema.json', () => {
  it.each(valid)('takes %s, as the parser does', (_, definition) => {
    expect(matchesSchema(definition), JSON.stringify(matchesSchema.errors)).toBe(true);
    expect(parses(definition)).toBe(true);
  });

  it.each(invalid)('refuses %s, as the parser does', (_, definition) => {
    expect(matchesSchema(definition)).toBe(false);
    expect(parses(definition)).toBe(false);
  });
});
