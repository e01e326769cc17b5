import type { FlowApi } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Request, Response } from 'express';
import { callerOf } from './auth.js';

/** A registry change over HTTP: what it is and which flow it touches. */
export interface RegistryChange {
  /** `register`, `add-step`, `replace-step` or `remove-step`. */
  readonly action: string;
  readonly flow: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Refuses to replace or change a flow defined in code unless the request says `?force=true`; answers
 * whether it was forced.
 * @throws DagflowError `FLOW_OWNED_BY_CODE`
 */
export async function assertMayChange(
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

/** Writes a change that was made to the audit log: who (role, token name), what, when, which flow. */
export async function audit(
  service: FlowApi,
  res: Response,
  change: RegistryChange & { readonly forced: boolean },
): Promise<void> {
  const caller = callerOf(res);
  await service.auditLog
    .record({
      at: Date.now(),
      who: { role: caller.role, token: caller.name },
      ...change,
    })
    .catch((error: unknown) =>
      service.log.error('could not write the audit log', {
        flow: change.flow,
        action: change.action,
        error: String(error),
      }),
    );
}
