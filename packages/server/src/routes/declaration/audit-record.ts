import type { AuditTarget, FlowApi } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Request, Response } from 'express';
import { callerOf } from '../../auth/caller.js';

/** What a handler adds to its request's audit entry, beyond what the path says. */
export interface AuditNote {
  /** The flow, when the path names none (`POST /flows` takes it from the body). */
  readonly flow?: string;
  readonly target?: AuditTarget;
  /** Whether a flow defined in code was changed with `?force=true`. */
  readonly forced?: boolean;
  /** What else describes the change (new version, whether a rerun carried a new input). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Adds to the audit entry of the request `res` answers (notes of one request are merged). */
export function noteAudit(res: Response, note: AuditNote): void {
  const before = (res.locals['audit'] as AuditNote | undefined) ?? {};
  res.locals['audit'] = {
    ...before,
    ...note,
    target: { ...before.target, ...note.target },
    details: { ...before.details, ...note.details },
  };
}

/**
 * Runs a state-changing route's handler and writes its audit entry: who (role, token name), what
 * (`action`), which flow and target (from the path and the handler's notes), when, and the outcome
 * (`ok`, or the error code answered). A failure to write is logged, not answered.
 */
export async function audited(
  service: FlowApi,
  http: { readonly req: Request; readonly res: Response; readonly action: string },
  run: () => Promise<void> | void,
): Promise<void> {
  let outcome: string = 'ok';
  try {
    await run();
  } catch (error) {
    outcome = error instanceof DagflowError ? error.code : ErrorCode.INTERNAL_ERROR;
    throw error;
  } finally {
    await record(service, http, outcome);
  }
}

async function record(
  service: FlowApi,
  { req, res, action }: { readonly req: Request; readonly res: Response; readonly action: string },
  outcome: string,
): Promise<void> {
  const caller = callerOf(res);
  const note = (res.locals['audit'] as AuditNote | undefined) ?? {};
  const target = { ...targetOf(req), ...note.target };
  const entry = {
    at: Date.now(),
    who: { role: caller.role, token: caller.name },
    action,
    flow: note.flow ?? param(req, 'name') ?? '',
    ...(Object.keys(target).length === 0 ? {} : { target }),
    outcome,
    forced: note.forced ?? false,
    ...(note.details === undefined || Object.keys(note.details).length === 0
      ? {}
      : { details: note.details }),
  };
  await service.auditLog.record(entry).catch((error: unknown) =>
    service.log.error('could not write the audit log', {
      flow: entry.flow,
      action,
      error: String(error),
    }),
  );
}

/** The target a route's path names: `/requests/:id`, `/signals/:signal`, `/schedules/:id`, `/steps/:id`. */
function targetOf(req: Request): AuditTarget {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  const id = param(req, 'id');
  const signal = param(req, 'signal');
  if (typeof path !== 'string' || id === undefined) return {};
  if (path.includes('/schedules/:id')) return { schedule: id };
  if (path.includes('/steps/:id')) return { node: id };
  if (!path.includes('/requests/:id')) return {};
  return signal === undefined ? { requestId: id } : { requestId: id, signal };
}

/** A path parameter of the matched route, decoded. */
function param(req: Request, name: string): string | undefined {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : undefined;
}
