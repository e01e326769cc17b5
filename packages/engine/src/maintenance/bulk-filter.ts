import { RequestField } from '../format/layout.js';
import type { RequestStatus } from '../types/types.js';

/** What a bulk action does to each request it matches. */
export type BulkAction = 'stop' | 'rerun' | 'resume' | 'migrate' | 'delete';

/** Every bulk action. */
export const BULK_ACTIONS: readonly BulkAction[] = ['stop', 'rerun', 'resume', 'migrate', 'delete'];

/** Which requests of a flow a bulk action takes; every criterion given must hold. */
export interface BulkFilter {
  /** Only requests in this status. */
  readonly status?: RequestStatus;
  /** Only requests created at or after this time (ms since the epoch). */
  readonly createdAfter?: number;
  /** Only requests created before this time (ms since the epoch). */
  readonly createdBefore?: number;
  /** Only requests whose error (`state.error.code`) has this code. */
  readonly errorCode?: string;
  /** Only requests whose error names this node (`state.error.node`: where it failed). */
  readonly node?: string;
  /** Only requests on this flow version. */
  readonly version?: string;
}

/** Statuses each action applies in: a request in another is not matched (the action would be refused). */
const APPLIES: Record<BulkAction, ReadonlySet<string>> = {
  stop: new Set(['pending', 'running', 'paused']),
  rerun: new Set(['failed', 'stopped']),
  resume: new Set(['paused']),
  migrate: new Set(['running', 'paused', 'failed', 'stopped']),
  // Not finished ones too: they are refused, each with its code (stop them first).
  delete: new Set(['pending', 'running', 'paused', 'completed', 'failed', 'stopped']),
};

/** The state-hash fields a filter is checked against, in the order {@link matches} reads them. */
export const FILTER_FIELDS = [
  RequestField.status,
  RequestField.error,
  RequestField.version,
] as const;

/**
 * Whether a request (its {@link FILTER_FIELDS} as read; the creation time is checked by the index
 * range) matches the filter and the action applies in its status; `currentVersion` is the flow's
 * current version (a `migrate` takes only requests on another).
 */
export function matches(
  filter: BulkFilter,
  action: BulkAction,
  row: { readonly fields: readonly (string | null)[]; readonly currentVersion: string },
): boolean {
  const [status, error, version] = row.fields;
  if (status === null || status === undefined || !APPLIES[action].has(status)) return false;
  if (filter.status !== undefined && filter.status !== status) return false;
  if (filter.version !== undefined && filter.version !== (version ?? '')) return false;
  if (action === 'migrate' && (version ?? row.currentVersion) === row.currentVersion) return false;
  if (filter.errorCode === undefined && filter.node === undefined) return true;
  const parsed = parseError(error);
  if (filter.errorCode !== undefined && parsed.code !== filter.errorCode) return false;
  return filter.node === undefined || parsed.node === filter.node;
}

function parseError(error: string | null | undefined): { code?: unknown; node?: unknown } {
  if (error === null || error === undefined) return {};
  try {
    return JSON.parse(error) as { code?: unknown; node?: unknown };
  } catch {
    return {};
  }
}
