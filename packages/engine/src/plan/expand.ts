import { DagflowError, ErrorCode } from '@dagflow/flow';
import { encode } from '../codec.js';
import { ITEM, ITEM_INPUT, fill } from './paths.js';
import type { StartStep } from './steps.js';

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
 * @throws DagflowError `INVALID_BRANCH_KEY` for an undeclared key, `INVALID_ITEMS` when `foreach` returns no object.
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
      const expanded = expansion(step, keys, picked);
      const dataFields: string[] = [];
      const handOver = new Map<string, string>();
      const roots = step.inner.get('')?.roots ?? [];
      const inputField = `o|${step.end}${ITEM}${ITEM_INPUT}`;
      for (const key of picked) {
        const input = encode(record[key]);
        const itemKeys = [...keys, key];
        dataFields.push(fill(inputField, itemKeys), input);
        // Each item's roots get its input in their job data, so they start without a Redis read.
        if (input.length <= HAND_OVER_LIMIT) {
          for (const root of roots) handOver.set(fill(root, itemKeys), input);
        }
      }
      return { ...expanded, dataFields, handOver };
    }
  }
}

/** Largest item input (UTF-16 length of its encoding) handed over in job data. */
const HAND_OVER_LIMIT = 16 * 1024;

/** Successors and counters of a start step for already picked keys; also used to repeat a completion. */
export function expansion(
  step: StartStep,
  keys: readonly string[],
  picked: readonly string[],
): Expansion {
  const end = fill(step.end, keys);
  const parts = picked.map((key) =>
    step.vertex.kind === 'foreach'
      ? { inner: step.inner.get(''), keys: [...keys, key] }
      : { inner: step.inner.get(key), keys },
  );
  const limit =
    step.vertex.kind === 'foreach' ? (step.vertex.options.maxConcurrency ?? Infinity) : Infinity;
  const entries: string[] = [];
  let open = 0;
  for (const [i, part] of parts.entries()) {
    if (i < limit) for (const root of part.inner?.roots ?? []) entries.push(fill(root, part.keys));
    open += part.inner?.terminals.length ?? 0;
  }
  if (parts.length === 0) entries.push(end);
  const stateFields = step.vertex.kind === 'subdag' ? [] : [`k|${end}`, JSON.stringify(picked)];
  if (limit < parts.length) {
    // Items past the limit wait: the gate in completeNode starts item number q when an item finishes.
    stateFields.push(`q|${end}`, String(limit), `qn|${end}`, String(parts.length));
    for (const [i, part] of parts.entries())
      stateFields.push(`x|${end}|${i}`, fill(`${step.end}${ITEM}`, part.keys));
  }
  // A sub-DAG's end counts its terminals statically; branches and items set the count here.
  if (step.vertex.kind !== 'subdag' && open > 0) stateFields.push(`j|${end}`, String(-open));
  return { picked, entries, stateFields, dataFields: [] };
}
