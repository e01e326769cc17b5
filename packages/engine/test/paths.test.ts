import { describe, expect, it } from 'vitest';
import { ITEM, fill, itemFiller, parsePath } from '../src/plan/paths.js';

describe('itemFiller', () => {
  it('fills like fill with the outer keys and one more', () => {
    const cases: [string, string[]][] = [
      [`each${ITEM}/work`, []],
      [`o|each${ITEM}/@item`, []],
      [`outer${ITEM}/inner${ITEM}/work`, ['a/b']],
      [`a${ITEM}/b${ITEM}/c${ITEM}/d`, ['x', 'y[1]']],
      // More levels than keys, and none: fill's answers, whatever they are.
      [`a${ITEM}/b${ITEM}/c`, []],
      ['plain', []],
    ];
    for (const [template, outer] of cases) {
      const filler = itemFiller(template, outer);
      for (const key of ['1', 'k%|:', '[x]', ''])
        expect(filler(key)).toBe(fill(template, [...outer, key]));
    }
  });

  it('escapes keys so that the path parses back to them', () => {
    const path = itemFiller(`outer${ITEM}/inner${ITEM}/work`, ['a/b'])('c]d');
    expect(path).toBe('outer[a%2Fb]/inner[c%5Dd]/work');
    expect(parsePath(path)).toEqual({ template: 'outer/inner/work', keys: ['a/b', 'c]d'] });
  });
});
