import type { FlowApi } from '@dagflow/engine';
import type { Response } from 'express';
import { callerOf } from './caller.js';

/** A change made over HTTP, as the audit log records it (the caller and the time are added). */
export interface AuditedChange {
  /** `register`, `add-step`, `replace-step`, `remove-step` or `migrate`. */
  readonly action: string;
  readonly flow: string;
  /** Whether a flow defined in code was changed with `?force=true`. */
  readonly forced: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Writes a change that was made to the audit log: who (role, token name), what, when, which flow. A
 * failure to write is logged, not answered: the change is made.
 */
export async function recordAudit(
  service: FlowApi,
  res: Response,
  change: AuditedChange,
): Promise<void> {
  const caller = callerOf(res);
  await service.auditLog
    .record({ at: Date.now(), who: { role: caller.role, token: caller.name }, ...change })
    .catch((error: unknown) =>
      service.log.error('could not write the audit log', {
        flow: change.flow,
        action: change.action,
        error: String(error),
      }),
    );
}
