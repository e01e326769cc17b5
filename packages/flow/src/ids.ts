import { DagValidationError, ErrorCode } from './errors.js';

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Names an id may not take although they match the pattern: `__proto__`, `constructor`, `prototype` and
 * the other members of `Object.prototype`, because ids become keys of plain objects (states, joined
 * inputs, outputs), where these names would not be stored as ordinary keys.
 */
const RESERVED_IDS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/**
 * Whether `id` may name a node or a flow: 1-100 characters of `[A-Za-z0-9_.-]`, and not a member of
 * `Object.prototype` (`__proto__`, `constructor`, ...) or `prototype`.
 */
export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id) && !RESERVED_IDS.has(id);
}

/**
 * Throws `DAG_INVALID_ID` unless `id` is a valid node id or flow name.
 * Ids may not contain `/`, `[`, `]` or `:` because node paths and job ids are built from them, and may
 * not be `__proto__`, `constructor`, `prototype` or another member of `Object.prototype`.
 */
export function assertValidId(id: string, what: 'node' | 'flow'): void {
  if (!isValidId(id)) {
    const reserved = RESERVED_IDS.has(id);
    throw new DagValidationError(
      ErrorCode.DAG_INVALID_ID,
      reserved
        ? `Invalid ${what} id ${JSON.stringify(id)}: it is reserved (a member of Object.prototype); choose another name.`
        : `Invalid ${what} id ${JSON.stringify(id)}: use 1-100 characters of letters, digits, '_', '.' and '-'.`,
      [id],
    );
  }
}
