import { DagflowError, ErrorCode } from '@dagflow/flow';

/**
 * One caller's part of a batch request's result (flow option `batch`), for flows whose handlers
 * return an array aligned with their input array: the element at the caller's `position`.
 * @example
 * ```ts
 * let position = 0;
 * const id = await service.execute('ingest', event, { onBatched: (b) => (position = b.position) });
 * const mine = batchPart(await service.waitForResult('ingest', id), position);
 * ```
 * @throws DagflowError `INVALID_OUTPUT` when the result is not an array with an element at `position`
 */
export function batchPart<T = unknown>(result: unknown, position: number): T {
  if (
    !Array.isArray(result) ||
    !Number.isInteger(position) ||
    position < 0 ||
    position >= result.length
  ) {
    throw new DagflowError(
      ErrorCode.INVALID_OUTPUT,
      `The batch's result has no part at position ${position}: its handlers must return an array with one element per input, in input order.`,
      { details: { position, length: Array.isArray(result) ? result.length : null } },
    );
  }
  return result[position] as T;
}
