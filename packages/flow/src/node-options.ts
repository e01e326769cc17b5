import { DagValidationError, ErrorCode } from './errors.js';
import { isValidId } from './ids.js';
import type { NodeOptions } from './types.js';

/**
 * Checks a node's options.
 * @throws DagValidationError `DAG_INVALID_OPTION` naming the node and every problem found
 */
export function assertValidOptions(id: string, options: NodeOptions): void {
  const problems: string[] = [];
  if (options.queue !== undefined && !isValidId(options.queue)) {
    problems.push(
      `queue must be 1-100 characters of letters, digits, '_', '.' and '-' (got ${JSON.stringify(options.queue)})`,
    );
  }
  const { retries, timeoutMs, backoff, delayMs } = options;
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
    problems.push(`delayMs must be a number >= 0 (got ${String(delayMs)})`);
  }
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    problems.push(`retries must be an integer >= 0 (got ${String(retries)})`);
  }
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    problems.push(`timeoutMs must be a number > 0 (got ${String(timeoutMs)})`);
  }
  if (backoff !== undefined && !(Number.isFinite(backoff.delayMs) && backoff.delayMs >= 0)) {
    problems.push(`backoff.delayMs must be a number >= 0 (got ${String(backoff.delayMs)})`);
  }
  if (backoff !== undefined && backoff.type !== 'fixed' && backoff.type !== 'exponential') {
    problems.push(`backoff.type must be 'fixed' or 'exponential' (got ${String(backoff.type)})`);
  }
  problems.push(...cacheProblems(options.cache));
  if (problems.length > 0) {
    throw new DagValidationError(
      ErrorCode.DAG_INVALID_OPTION,
      `Node '${id}' has invalid options: ${problems.join('; ')}.`,
      [id],
    );
  }
}

function cacheProblems(cache: NodeOptions['cache']): string[] {
  if (cache === undefined) return [];
  const problems: string[] = [];
  if (typeof cache.key !== 'function') problems.push('cache.key must be a function of the input');
  if (!(Number.isInteger(cache.ttlMs) && cache.ttlMs > 0)) {
    problems.push(`cache.ttlMs must be an integer > 0 (got ${String(cache.ttlMs)})`);
  }
  return problems;
}
