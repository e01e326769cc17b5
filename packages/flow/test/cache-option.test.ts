import { describe, expect, it } from 'vitest';
import { Dag } from '../src/dag.js';
import { describeDag } from '../src/describe.js';
import { DagValidationError } from '../src/errors.js';
import { dagFromDescription } from '../src/from-description.js';
import { validateDag } from '../src/graph.js';
import type { TaskVertex } from '../src/dag.js';

const key = (input: { user: string }): string => input.user;

describe('node option cache', () => {
  it('is described as its ttlMs and keeps the key function of the code through the round trip', () => {
    const code = new Dag().node('lookup', (input: { user: string }) => input.user, {
      cache: { key, ttlMs: 60_000 },
    });
    const description = describeDag(validateDag(code));
    expect(description.nodes[0]?.cache).toEqual({ ttlMs: 60_000 });
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    const rebuilt = dagFromDescription(
      { ...description, nodes: [{ ...description.nodes[0]!, cache: { ttlMs: 5_000 } }] },
      new Map(),
      code,
    );
    const task = rebuilt.vertices[0] as TaskVertex;
    expect(task.options.cache?.ttlMs).toBe(5_000);
    expect(task.options.cache?.key).toBe(key);
  });

  it('is dropped where the description has none, or the code no key', () => {
    const code = new Dag().node('lookup', () => 1, { cache: { key: () => 'k', ttlMs: 10 } });
    const plain = { ...describeDag(validateDag(new Dag().node('lookup', () => 1))) };
    const withoutCache = dagFromDescription(plain, new Map(), code);
    expect((withoutCache.vertices[0] as TaskVertex).options.cache).toBeUndefined();
    const described = describeDag(validateDag(code));
    const withoutCode = dagFromDescription(described);
    expect((withoutCode.vertices[0] as TaskVertex).options.cache).toBeUndefined();
  });

  it('refuses a ttlMs that is not a positive integer and a key that is not a function', () => {
    const bad = () => new Dag().node('n', () => 1, { cache: { key: 'user' as never, ttlMs: 0 } });
    expect(bad).toThrow(DagValidationError);
    expect(bad).toThrow(/cache\.key must be a function.*cache\.ttlMs must be an integer > 0/);
  });
});
