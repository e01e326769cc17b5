import type { FlowApi } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Request, Response } from 'express';
import { noteAudit } from './declaration/audit-record.js';
import { callerOf } from '../auth/caller.js';
import { assertInScope } from '../auth/flow-scope.js';

/** A registry change over HTTP: what it is and which flow it touches. */
export interface RegistryChange {
  /** `register`, `add-step`, `replace-step` or `remove-step`. */
  readonly action: string;
  readonly flow: string;
}

/**
 * Refuses to replace or change a flow defined in code unless the request says `?force=true`; answers
 * whether it was forced.
 * @throws DagflowError `FLOW_OWNED_BY_CODE`
 */
async function assertMayChange(
  service: FlowApi,
  req: Request,
  change: RegistryChange,
): Promise<boolean> {
  const forced = req.query['force'] === 'true';
  if (!forced && (await service.flowOrigin(change.flow)) === 'code') {
    throw new DagflowError(
      ErrorCode.FLOW_OWNED_BY_CODE,
      `Flow '${change.flow}' is defined in code; an admin may ${change.action} it over HTTP only with ?force=true.`,
      { details: { flow: change.flow } },
    );
  }
  return forced;
}

/**
 * Makes a registry change over HTTP: refused for a flow outside the caller's scope (`POST /flows`
 * names its flow in the body) and for a code-defined flow without `?force=true`, then made (`act`,
 * which may add details such as the new version) and noted for the route's audit entry.
 * @returns what `act` answered
 * @throws DagflowError `FORBIDDEN`, `FLOW_OWNED_BY_CODE`, and whatever `act` throws
 */
export async function applyChange<T>(
  service: FlowApi,
  http: { readonly req: Request; readonly res: Response },
  change: RegistryChange,
  act: () => { readonly info: T; readonly details?: Readonly<Record<string, unknown>> },
): Promise<T> {
  assertInScope(callerOf(http.res), change.flow);
  const forced = await assertMayChange(service, http.req, change);
  noteAudit(http.res, { forced });
  const { info, details } = act();
  if (details !== undefined) noteAudit(http.res, { details });
  return info;
}
