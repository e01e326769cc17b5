import { DagValidationError, ErrorCode } from './errors.js';

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

/** Whether `id` may name a node or a flow: 1-100 characters of `[A-Za-z0-9_.-]`. */
export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/**
 * Throws `DAG_INVALID_ID` unless `id` is a valid node id or flow name.
 * Ids may not contain `/`, `[`, `]` or `:` because node paths and job ids are built from them.
 */
export function assertValidId(id: string, what: 'node' | 'flow'): void {
  if (!isValidId(id)) {
    throw new DagValidationError(
      ErrorCode.DAG_INVALID_ID,
      `Invalid ${what} id ${JSON.stringify(id)}: use 1-100 characters of letters, digits, '_', '.' and '-'.`,
      [id],
    );
  }
}
