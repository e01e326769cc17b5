import { describe, expect, it } from 'vitest';
import { TickBatch } from '../src/store/tick-batch.js';

describe('TickBatch', () => {
  it('sends the calls of one tick as one batch per group, answering each in order', async () => {
    const sent: [string, number[]][] = [];
    const batch = new TickBatch<number, number>((group, items) => {
      sent.push([group, [...items]]);
      return Promise.resolve(items.map((item) => item * 10));
    });
    const results = await Promise.all([
      batch.add('a', 1),
      batch.add('b', 2),
      Promise.resolve().then(() => batch.add('a', 3)), // a microtask later: the same tick
    ]);
    expect(results).toEqual([10, 20, 30]);
    expect(sent).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
    // A later tick makes a batch of its own.
    expect(await batch.add('a', 4)).toBe(40);
    expect(sent).toHaveLength(3);
  });

  it('sends a full batch at once and starts the next', async () => {
    const sizes: number[] = [];
    const batch = new TickBatch<number, number>((_group, items) => {
      sizes.push(items.length);
      return Promise.resolve(items);
    }, 3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((item) => batch.add('g', item)));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('rejects every call of a batch whose send fails, and only those', async () => {
    let fail = true;
    const batch = new TickBatch<string, string>((group, items) => {
      if (group === 'bad' && fail) throw new Error('down');
      return Promise.resolve(items.map((item) => item.toUpperCase()));
    });
    const bad = Promise.allSettled([batch.add('bad', 'x'), batch.add('bad', 'y')]);
    const good = batch.add('good', 'z');
    expect((await bad).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await good).toBe('Z');
    fail = false;
    expect(await batch.add('bad', 'w')).toBe('W');
  });
});
