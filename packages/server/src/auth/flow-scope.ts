import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Caller } from './tokens.js';

/** Whether a flow glob (`*` any run of characters, else literal) matches a flow name. */
export function globMatches(glob: string, flow: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.]/g, '\\.'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(flow);
}

/** Whether the caller's token may see and act on `flow`: it has no scope, or its glob matches. */
export function inScope(caller: Caller, flow: string): boolean {
  return caller.flows === undefined || globMatches(caller.flows, flow);
}

/**
 * Refuses a flow outside the caller's scope.
 * @throws DagflowError `FORBIDDEN`, `details.scope` the token's glob
 */
export function assertInScope(caller: Caller, flow: string): void {
  if (inScope(caller, flow)) return;
  throw new DagflowError(
    ErrorCode.FORBIDDEN,
    `Token ${caller.name} is scoped to flows '${caller.flows ?? '*'}'; flow '${flow}' is outside it.`,
    { details: { role: caller.role, scope: caller.flows, flow } },
  );
}

/**
 * Refuses a scoped token on a route that names no flow but may show any (`/metrics`, `/workers`,
 * `/admin/audit`): those need a token without a scope.
 * @throws DagflowError `FORBIDDEN`
 */
export function assertUnscoped(caller: Caller, route: string): void {
  if (caller.flows === undefined) return;
  throw new DagflowError(
    ErrorCode.FORBIDDEN,
    `Token ${caller.name} is scoped to flows '${caller.flows}'; ${route} shows every flow and needs a token without a scope.`,
    { details: { role: caller.role, scope: caller.flows } },
  );
}
