import { Dag } from '@dagflow/flow';
import { describe, expect, it } from 'vitest';
import { FlowPlan } from '../src/plan/flow-plan.js';
import { MAX_ITEMS_PER_JOB, batchedItemStep, itemBatches } from '../src/plan/item-batches.js';
import type { FlowOptions } from '../src/types/flow-options.js';

const limits = { maxForEachItems: 100_000 };
const noop = (x: unknown): unknown => x;

/** Whether the items of the for-each `each` that `define` builds go several to a job. */
function batched(define: (dag: Dag) => void, hooks: FlowOptions = {}): boolean {
  const dag = new Dag();
  define(dag);
  const plan = new FlowPlan('f', dag, hooks, { limits });
  const start = plan.resolve('each/@start')?.step;
  if (start?.kind !== 'start') throw new Error('no for-each start step');
  return batchedItemStep(plan, start) !== undefined;
}

const items = (): Record<string, number> => ({});

describe('itemBatches', () => {
  it('keeps one item per job below 1,000 items, then up to 16, at least 500 jobs', () => {
    const paths = (n: number) => Array.from({ length: n }, (_, i) => `each[${i}]/work`);
    expect(itemBatches(paths(999)).every((batch) => batch.length === 1)).toBe(true);
    expect(itemBatches(paths(1_000)).map((batch) => batch.length)).toEqual(Array(500).fill(2));
    expect(itemBatches(paths(10_000))).toHaveLength(10_000 / MAX_ITEMS_PER_JOB);
    const odd = itemBatches(paths(1_501));
    expect(odd).toHaveLength(501);
    expect(odd.at(-1)).toEqual(['each[1500]/work']);
    // The same items give the same batches, in order.
    expect(itemBatches(paths(4_321))).toEqual(itemBatches(paths(4_321)));
    expect(itemBatches(paths(4_321)).flat()).toEqual(paths(4_321));
  });
});

describe('batchedItemStep', () => {
  it('batches a body of one task without retries, timeout, delay or wait', () => {
    expect(batched((dag) => dag.forEachBranch('each', items).node('work', noop))).toBe(true);
    expect(
      batched((dag) => {
        dag.forEachBranch('each', items).node('work', noop);
        dag.node('after', noop).edge('each', 'after');
      }),
    ).toBe(true);
  });

  it('keeps one item per job for anything a job of several items would change', () => {
    const cases: [string, (dag: Dag) => void, FlowOptions?][] = [
      ['retries', (dag) => dag.forEachBranch('each', items).node('work', noop, { retries: 1 })],
      ['timeout', (dag) => dag.forEachBranch('each', items).node('work', noop, { timeoutMs: 50 })],
      ['delay', (dag) => dag.forEachBranch('each', items).node('work', noop, { delayMs: 5 })],
      [
        'two steps',
        (dag) => {
          const body = dag.forEachBranch('each', items);
          body.node('a', noop).node('b', noop).edge('a', 'b');
        },
      ],
      [
        'maxConcurrency',
        (dag) => dag.forEachBranch('each', items, { maxConcurrency: 4 }).node('work', noop),
      ],
      [
        'rate limit',
        (dag) => dag.forEachBranch('each', items).node('work', noop),
        { rateLimit: { max: 10, durationMs: 1_000 } },
      ],
      ['signal', (dag) => dag.forEachBranch('each', items).signal('work')],
    ];
    for (const [name, define, hooks] of cases)
      expect([name, batched(define, hooks)]).toEqual([name, false]);
  });
});
