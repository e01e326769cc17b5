// The checks a declarative definition's fields go through: each names where it failed
// (`nodes[2].waitFor.event`) with `DEFINITION_INVALID`.
import { DagValidationError, ErrorCode } from '../errors.js';

/** `value` as an object (not a list); fails naming `at`. */
export function record(value: unknown, at: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(at || 'the definition', 'must be an object');
  return value as Record<string, unknown>;
}

/** `value` as a list; fails naming `at`. */
export function list(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) fail(at, 'must be a list');
  return value as unknown[];
}

/** `value` as a non-empty string (or any string with `allowEmpty`); fails naming `at`. */
export function text(value: unknown, at: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === ''))
    fail(at, 'must be a non-empty string');
  return value;
}

/** `source[key]` when set, which must then be a number; the DAG checks its range. */
export function optionalNumber<K extends string>(
  source: Record<string, unknown>,
  key: K,
  at: string,
): Partial<Record<K, number>> {
  const value = source[key];
  if (value === undefined) return {};
  if (typeof value !== 'number') fail(`${at}.${key}`, 'must be a number');
  return { [key]: value } as Partial<Record<K, number>>;
}

/** `source[key]` when set, which must then be a boolean. */
export function flag(source: Record<string, unknown>, key: string, at: string): boolean {
  const value = source[key];
  if (value !== undefined && typeof value !== 'boolean') fail(`${at}.${key}`, 'must be a boolean');
  return value === true;
}

/** Fails when `source` has a key not in `known` (a misspelt option would otherwise do nothing). */
export function onlyKeys(
  source: Record<string, unknown>,
  known: readonly string[],
  at: string,
): void {
  const unknown = Object.keys(source).find((key) => !known.includes(key));
  if (unknown !== undefined)
    fail(`${at}.${unknown}`, `is not a known field (known: ${known.join(', ')})`);
}

/** `source[key]` as it is, when set: an option the DAG checks. */
export function optional<K extends string>(
  source: Record<string, unknown>,
  key: K,
): Partial<Record<K, never>> {
  return (source[key] === undefined ? {} : { [key]: source[key] }) as Partial<Record<K, never>>;
}

/** Throws `DEFINITION_INVALID` naming the place (`at`) and the problem. */
export function fail(at: string, problem: string): never {
  throw new DagValidationError(
    ErrorCode.DEFINITION_INVALID,
    `Invalid flow definition: ${at} ${problem}.`,
    [at],
  );
}
