import { type DagDescription, DagflowError, ErrorCode } from '@dagflow/flow';
import type { BatchOption, FlowOptions } from '../types/flow-options.js';

/**
 * The flow's description with its `batch` option (its sizes, and whether it is keyed), so that a
 * process without the flow's code knows its executes are collected (see {@link batchFromDescription}).
 */
export function withBatch(
  description: DagDescription,
  options: Pick<FlowOptions, 'batch'>,
): DagDescription {
  const { batch } = options;
  if (batch === undefined) return description;
  const { maxSize, maxWaitMs, key } = batch;
  return {
    ...description,
    batch: { maxSize, maxWaitMs, ...(key === undefined ? {} : { keyed: true }) },
  };
}

/**
 * The `batch` option of a flow known only from its published description: executes here collect
 * inputs as the flow's own processes do. A keyed one cannot compute its keys here: its key function
 * refuses, with `NO_HANDLER`, every execute (which starts nothing).
 */
export function batchFromDescription(description: DagDescription): BatchOption | undefined {
  const { batch } = description;
  if (batch === undefined) return undefined;
  const { maxSize, maxWaitMs } = batch;
  if (batch.keyed !== true) return { maxSize, maxWaitMs };
  const key = (): string => {
    throw new DagflowError(
      ErrorCode.NO_HANDLER,
      'The flow collects executes into batches by a key function that this process lacks: execute it from a process that registered the flow.',
    );
  };
  return { maxSize, maxWaitMs, key };
}
