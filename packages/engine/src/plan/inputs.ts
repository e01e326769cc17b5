import { decode } from '../format/codec.js';
import { fill, itemFiller } from './paths.js';
import type { EndStep, InnerDag, StartStep, TaskStep } from './steps.js';

/**
 * Largest encoded input (UTF-16 length) handed to a step in its job data, so that it starts without
 * reading Redis; larger inputs are read from the request's data hash by `beginNode`.
 */
export const HAND_OVER_LIMIT = 16 * 1024;

/** Data fields to read for a task's or start step's input. */
export function inputFields(step: TaskStep | StartStep, keys: readonly string[]): string[] {
  return step.parents.length === 0
    ? [fill(step.scopeInput, keys)]
    : step.parents.map((p) => fill(p.field, keys));
}

/**
 * A vertex input from the encoded values of {@link inputFields}: the scope input without data parents,
 * one parent's output as is, several as `{ [parentId]: output }` (through a task's aggregator).
 * Edge `forward` transforms apply first.
 */
export async function vertexInput(
  step: TaskStep | StartStep,
  encoded: readonly (string | null)[],
): Promise<unknown> {
  if (step.parents.length === 0) return decode(encoded[0] ?? 'null');
  const values = step.parents.map((parent, i) => {
    const value = decode(encoded[i] ?? 'null');
    return parent.forward === undefined ? value : parent.forward(value);
  });
  if (step.parents.length === 1) return values[0];
  const joined = Object.fromEntries(step.parents.map((parent, i) => [parent.id, values[i]]));
  const aggregator = step.kind === 'task' ? step.options.aggregator : undefined;
  return aggregator === undefined ? joined : await aggregator(joined);
}

/**
 * A task's or start step's input: the one given to `rerun` (first field, `i|<path>`), else the input
 * its parents or scope give it.
 */
export function inputWithOverride(
  step: TaskStep | StartStep,
  encoded: readonly (string | null)[],
): Promise<unknown> {
  const [override, ...inputs] = encoded;
  return override == null ? vertexInput(step, inputs) : Promise.resolve(decode(override));
}

/** One inner DAG's output by the flow-result rule: its terminal's output, or `{ [terminalId]: output }`. */
function innerOutput(inner: InnerDag, encoded: readonly (string | null)[], at: number): unknown {
  if (inner.terminals.length === 1) return decode(encoded[at] ?? 'null');
  return Object.fromEntries(
    inner.terminals.map((t, i) => [t.id, decode(encoded[at + i] ?? 'null')]),
  );
}

/**
 * Which inner runs an end step joins: the sub-DAG once, each picked branch, or each item.
 * `picked` are branch keys or item keys as the start step stored them.
 */
export function endParts(
  step: EndStep,
  keys: readonly string[],
  picked: readonly string[],
): { key: string; inner: InnerDag; keys: readonly string[] }[] {
  switch (step.vertex.kind) {
    case 'subdag':
      return [{ key: '', inner: need(step.inner.get('')), keys }];
    case 'branch':
      return picked.map((key) => ({ key, inner: need(step.inner.get(key)), keys }));
    case 'foreach': {
      const body = need(step.inner.get(''));
      return picked.map((key) => ({ key, inner: body, keys: [...keys, key] }));
    }
  }
}

/** Fields an end step reads: every terminal output of every part, or the vertex input to pass through. */
export function endFields(
  step: EndStep,
  keys: readonly string[],
  parts: ReturnType<typeof endParts>,
): string[] {
  if (parts.length === 0) return [fill(step.startOutput, keys)];
  if (step.vertex.kind === 'foreach') {
    // Every item has the same terminals: their templates are split once, then filled per item key.
    const terminals = need(step.inner.get('')).terminals.map((t) => itemFiller(t.field, keys));
    const fields: string[] = [];
    for (const part of parts) for (const field of terminals) fields.push(field(part.key));
    return fields;
  }
  return parts.flatMap((part) => part.inner.terminals.map((t) => fill(t.field, part.keys)));
}

/**
 * A composite vertex's output: a sub-DAG's output; `{ [key]: output }` of branches or items, through the
 * aggregator; a branch vertex with nothing picked passes its input through; zero items give `{}`.
 */
export async function endOutput(
  step: EndStep,
  parts: ReturnType<typeof endParts>,
  encoded: readonly (string | null)[],
): Promise<unknown> {
  if (step.vertex.kind === 'branch' && parts.length === 0) return decode(encoded[0] ?? 'null');
  let offset = 0;
  const outputs = parts.map((part) => {
    const output = innerOutput(part.inner, encoded, offset);
    offset += part.inner.terminals.length;
    return output;
  });
  const joined =
    step.vertex.kind === 'subdag'
      ? outputs[0]
      : Object.fromEntries(parts.map((part, i) => [part.key, outputs[i]]));
  const { aggregator } = step.vertex.options;
  return aggregator === undefined ? joined : await aggregator(joined as Record<string, unknown>);
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('dagflow plan is inconsistent: an inner DAG is missing');
  return value;
}
