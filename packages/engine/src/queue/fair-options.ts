import { DagflowError, DagValidationError, ErrorCode } from '@dagflow/flow';
import type { FlowPlan } from '../plan/flow-plan.js';
import { hashedName } from '../format/keys.js';
import type { FairnessOption, FlowOptions } from '../types/flow-options.js';

/** A request's place in its flow's fair scheduler: its key (named as stored) and weight. */
export interface FairTag {
  readonly key: string;
  readonly weight: number;
}

/** The `fairness` option as data (published, and shown by `GET /flows/:name`). */
export interface FairnessDescription {
  readonly key: 'function';
  readonly weight?: 'function';
  readonly min?: number;
  readonly max?: number;
}

/** The flow's `fairness` option, when it has one. */
export function fairnessOf(plan: FlowPlan): FairnessOption | undefined {
  return plan.hooks.fairness;
}

/** The flow's `fairness` option as data. */
export function describeFairness(plan: FlowPlan): FairnessDescription | undefined {
  const fairness = fairnessOf(plan);
  if (fairness === undefined) return undefined;
  return {
    key: 'function',
    ...(fairness.weight === undefined ? {} : { weight: 'function' as const }),
    ...(fairness.min === undefined ? {} : { min: fairness.min }),
    ...(fairness.max === undefined ? {} : { max: fairness.max }),
  };
}

/**
 * Checks a flow's `fairness` option at registration: a key function, an optional weight function,
 * integers `min` and `max` > 0 with `min <= max`; not with a concurrency key or a keyed rate limit.
 * @throws DagValidationError `DEFINITION_INVALID` naming `fairness`
 */
export function assertFairness(name: string, options: FlowOptions): void {
  const { fairness } = options;
  if (fairness === undefined) return;
  const { key, weight, min, max } = fairness;
  const count = (n: number | undefined): boolean =>
    n === undefined || (Number.isSafeInteger(n) && n > 0);
  let problem: string | undefined;
  if (typeof key !== 'function' || (weight !== undefined && typeof weight !== 'function'))
    problem = 'needs a function `key` (and `weight`, if given, a function)';
  else if (!count(min) || !count(max) || (min ?? 1) > (max ?? Infinity))
    problem = `needs integers min > 0 and max > 0 with min <= max (got min ${String(min)}, max ${String(max)})`;
  else if (typeof options.concurrency === 'object' || options.rateLimit?.key !== undefined)
    problem =
      'does not go with a concurrency key or a keyed rateLimit (their waiting roots would hold fair slots)';
  if (problem === undefined) return;
  throw new DagValidationError(
    ErrorCode.DEFINITION_INVALID,
    `Invalid flow definition: flow '${name}': fairness ${problem}.`,
    ['fairness'],
  );
}

/**
 * A request's fair key and weight, from its input (the `fairness` functions; a key longer than 64
 * characters is named by its hash).
 * @throws DagflowError `INVALID_INPUT` when the weight function answers no finite number > 0
 */
export function fairTagFor(fairness: FairnessOption, input: unknown): FairTag {
  const key = String(fairness.key(input));
  const weight = fairness.weight === undefined ? 1 : fairness.weight(input);
  if (!(typeof weight === 'number' && Number.isFinite(weight) && weight > 0)) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      `The fairness weight of the request must be a finite number > 0 (got ${String(weight)}).`,
    );
  }
  return { key: key.length <= 64 ? key : `#${hashedName(key)}`, weight };
}

/** A fair tag as the request's state keeps it (`RequestField.fairKey`). Stored format. */
export function formatFairTag(tag: FairTag): string {
  return JSON.stringify([tag.key, tag.weight]);
}

/** Reverses {@link formatFairTag}; undefined for none or a malformed one. */
export function parseFairTag(stored: string | null | undefined): FairTag | undefined {
  if (stored == null || stored === '') return undefined;
  try {
    const [key, weight] = JSON.parse(stored) as [unknown, unknown];
    return typeof key === 'string' && typeof weight === 'number' ? { key, weight } : undefined;
  } catch {
    return undefined;
  }
}
