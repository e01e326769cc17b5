import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { ServiceResources } from '../resources/service-resources.js';
import { deleteRequestKeys } from '../store/migration-writes.js';

/**
 * Deletes a finished request: its state, data, store, held set, stream and logs, and its entry in the
 * flow's request index. One already gone is no error (a bulk delete run twice).
 * @throws DagflowError `INVALID_TRANSITION` for a pending, running or paused request (stop it first)
 */
export async function deleteRequest(
  res: ServiceResources,
  flow: string,
  requestId: string,
): Promise<void> {
  const deleted = await deleteRequestKeys(res.redis, res.keys, { flow, requestId });
  if (deleted.kind === 'invalid') {
    throw new DagflowError(
      ErrorCode.INVALID_TRANSITION,
      `Cannot delete request '${requestId}' of flow '${flow}': it is ${deleted.status}; only a completed, failed or stopped request is deleted (stop it first).`,
      { details: { status: deleted.status, command: 'delete' } },
    );
  }
}
