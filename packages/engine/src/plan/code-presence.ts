import { isHandledElsewhere } from '@dagflow/flow';
import type { DataParent, Step } from './steps.js';

/**
 * Whether a step runs code that this process does not have: a stand-in (see `isHandledElsewhere`) for
 * its handler, its composite's condition or for-each function, its aggregator, or the transform on an
 * edge that feeds it. Signal, sleep and child-flow nodes run no handler of their own.
 */
export function lacksCode(step: Step): boolean {
  switch (step.kind) {
    case 'task': {
      const { vertex } = step;
      const handler = vertex.wait === undefined && isHandledElsewhere(vertex.handler);
      return handler || isHandledElsewhere(vertex.options.aggregator) || forwardsLack(step.parents);
    }
    case 'start': {
      const { vertex } = step;
      const picks =
        vertex.kind === 'foreach'
          ? isHandledElsewhere(vertex.foreach)
          : vertex.kind === 'branch' && isHandledElsewhere(vertex.condition);
      return picks || forwardsLack(step.parents);
    }
    case 'end':
      return isHandledElsewhere(step.vertex.options.aggregator);
  }
}

function forwardsLack(parents: readonly DataParent[]): boolean {
  return parents.some((parent) => isHandledElsewhere(parent.forward));
}
