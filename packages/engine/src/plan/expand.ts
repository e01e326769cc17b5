import { DagflowError, ErrorCode } from '@dagflow/flow';
import { encode } from '../format/codec.js';
import { HAND_OVER_LIMIT } from './inputs.js';
import { ITEM, ITEM_INPUT, fill, itemFiller } from './paths.js';
import type { StartStep } from './steps.js';
import { stepField, StepField } from '../format/layout.js';

/** What a start step writes and releases when it completes. */
export interface Expansion {
  /** Branch keys or item keys picked; `['']` for a sub-DAG. */
  readonly picked: readonly string[];
  /** Entry steps released: sub-DAG or branch roots, item roots (the caller enqueues them). */
  readonly entries: readonly string[];
  /** Fields set on the state hash: the end step's open count and the picked keys. */
  readonly stateFields: readonly string[];
  /** Fields set on the data hash: each item's input. */
  readonly dataFields: readonly string[];
  /** Item inputs handed to the item roots in their job data, by root path. */
  readonly handOver?: ReadonlyMap<string, string>;
}

/**
 * Picks what a composite vertex runs for `input`: the sub-DAG, the branches `condition` selects, or one
 * body per item of `foreach`.
 * @throws DagflowError `INVALID_BRANCH_KEY` for an undeclared key, `INVALID_ITEMS` when `foreach` returns no object,
 *   `TOO_MANY_ITEMS` when it returns more than the step's `maxItems`.
 */
export async function expandStart(
  step: StartStep,
  keys: readonly string[],
  input: unknown,
  path: string,
): Promise<Expansion> {
  const { vertex } = step;
  switch (vertex.kind) {
    case 'subdag':
      return expansion(step, keys, ['']);
    case 'branch': {
      const chosen = await (vertex.condition as (input: unknown) => unknown)(input);
      const picked = [
        ...new Set(
          typeof chosen === 'string' ? [chosen] : Array.isArray(chosen) ? chosen : [chosen],
        ),
      ];
      const unknown = picked.filter((key) => typeof key !== 'string' || !vertex.branches.has(key));
      if (unknown.length > 0) {
        throw new DagflowError(
          ErrorCode.INVALID_BRANCH_KEY,
          `The condition of '${path}' returned undeclared branch key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; declared: ${[...vertex.branches.keys()].join(', ')}.`,
          { details: { node: path, keys: unknown } },
        );
      }
      return expansion(step, keys, picked as string[]);
    }
    case 'foreach': {
      const items = await (vertex.foreach as (input: unknown) => unknown)(input);
      if (
        items === null ||
        typeof items !== 'object' ||
        Array.isArray(items) ||
        Buffer.isBuffer(items)
      ) {
        throw new DagflowError(
          ErrorCode.INVALID_ITEMS,
          `The foreach function of '${path}' must return an object { [itemKey]: itemInput } (got ${Array.isArray(items) ? 'an array' : typeof items}).`,
          { details: { node: path } },
        );
      }
      const record = items as Record<string, unknown>;
      const picked = Object.keys(record);
      if (picked.length > step.maxItems) {
        throw new DagflowError(
          ErrorCode.TOO_MANY_ITEMS,
          `The foreach function of '${path}' returned ${picked.length} items, over the limit of ${step.maxItems} (the flow's or the service's maxForEachItems, DAGFLOW_MAX_FOREACH_ITEMS); split the work into batches.`,
          { details: { node: path, items: picked.length, limit: step.maxItems } },
        );
      }
      const expanded = expansion(step, keys, picked);
      const dataFields: string[] = [];
      const handOver = new Map<string, string>();
      const inputField = itemFiller(
        stepField(StepField.output, `${step.end}${ITEM}${ITEM_INPUT}`),
        keys,
      );
      const roots = (step.inner.get('')?.roots ?? []).map((root) => itemFiller(root, keys));
      for (const key of picked) {
        const input = encode(record[key]);
        dataFields.push(inputField(key), input);
        // Each item's roots get its input in their job data, so they start without a Redis read.
        if (input.length <= HAND_OVER_LIMIT)
          for (const root of roots) handOver.set(root(key), input);
      }
      return { ...expanded, dataFields, handOver };
    }
  }
}

/** Successors and counters of a start step for already picked keys; also used to repeat a completion. */
export function expansion(
  step: StartStep,
  keys: readonly string[],
  picked: readonly string[],
): Expansion {
  const end = fill(step.end, keys);
  const { vertex } = step;
  const limit = vertex.kind === 'foreach' ? (vertex.options.maxConcurrency ?? Infinity) : Infinity;
  const entries: string[] = [];
  let open = 0;
  if (vertex.kind === 'foreach') {
    // Every item runs the same body: its root templates are split once, then filled per item key.
    const body = step.inner.get('');
    const roots = (body?.roots ?? []).map((root) => itemFiller(root, keys));
    for (let i = 0; i < picked.length && i < limit; i++)
      for (const root of roots) entries.push(root(picked[i] ?? ''));
    open = (body?.terminals.length ?? 0) * picked.length;
  } else {
    for (const key of picked) {
      const inner = step.inner.get(key);
      for (const root of inner?.roots ?? []) entries.push(fill(root, keys));
      open += inner?.terminals.length ?? 0;
    }
  }
  if (picked.length === 0) entries.push(end);
  const stateFields =
    vertex.kind === 'subdag' ? [] : [stepField(StepField.picked, end), JSON.stringify(picked)];
  if (limit < picked.length) {
    // Items past the limit wait: the gate in completeNode starts item number q when an item finishes.
    stateFields.push(
      stepField(StepField.itemsStarted, end),
      String(limit),
      stepField(StepField.itemCount, end),
      String(picked.length),
    );
    const item = itemFiller(`${step.end}${ITEM}`, keys);
    picked.forEach((key, i) =>
      stateFields.push(stepField(StepField.item, `${end}|${i}`), item(key)),
    );
  }
  // A sub-DAG's end counts its terminals statically; branches and items set the count here.
  if (step.vertex.kind !== 'subdag' && open > 0)
    stateFields.push(stepField(StepField.joinOpen, end), String(-open));
  return { picked, entries, stateFields, dataFields: [] };
}
