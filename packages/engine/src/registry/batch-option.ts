import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { FlowOptions } from '../types/flow-options.js';

/** Most inputs one batch may take (`batch.maxSize`). */
export const MAX_BATCH_SIZE = 10_000;

/**
 * Checks a flow's `batch` option at registration.
 * @throws DagflowError `DEFINITION_INVALID` unless `maxSize` is an integer from 1 to 10,000,
 *   `maxWaitMs` an integer > 0 and `key`, if given, a function, or with `singleton` or `fairness` too
 */
export function assertBatchOption(name: string, options: FlowOptions): void {
  const { batch } = options;
  if (batch === undefined) return;
  const { maxSize, maxWaitMs, key } = batch;
  const sizeOk = Number.isInteger(maxSize) && maxSize >= 1 && maxSize <= MAX_BATCH_SIZE;
  const waitOk = Number.isSafeInteger(maxWaitMs) && maxWaitMs > 0;
  if (!sizeOk || !waitOk || (key !== undefined && typeof key !== 'function')) {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      `Flow '${name}': batch needs an integer maxSize from 1 to ${MAX_BATCH_SIZE}, an integer maxWaitMs > 0 (ms) and, if given, a function key (got maxSize ${String(maxSize)}, maxWaitMs ${String(maxWaitMs)}).`,
      { details: { flow: name, option: 'batch' } },
    );
  }
  const other =
    options.singleton !== undefined
      ? 'singleton'
      : options.fairness !== undefined
        ? 'fairness'
        : undefined;
  if (other !== undefined) {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      `Flow '${name}': batch and ${other} do not go together (a batch's request is not one execute's, and its input is the array of theirs); choose one.`,
      { details: { flow: name, option: 'batch' } },
    );
  }
}
