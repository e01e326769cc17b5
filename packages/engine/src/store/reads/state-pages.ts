import type { FlowPlan } from '../../plan/flow-plan.js';
import { vertexPath } from '../../plan/paths.js';
import type { RedisClient } from '../../infra/redis-connection.js';
import type { RequestState } from '../../types/types.js';
import type { Keys } from '../../format/keys.js';
import { RequestField, StepField, pathOfField } from '../../format/layout.js';
import { nodeFields, requestStateOf } from './request-state.js';

/** State-hash fields per node, about (see the scan below). */
const FIELDS_PER_NODE = 5;

/** Which nodes of a request one page lists (see `FlowReader.state`). */
export interface NodePageOptions {
  /** Only nodes whose path starts with this (`each[` for a for-each's items); `''`: every node. */
  readonly nodes: string;
  /** Where the previous page ended (its `cursor`); absent: the first page. */
  readonly cursor?: string;
  /**
   * About how many nodes a page lists (Redis `HSCAN`'s count: a hint, pages may be a little larger).
   * @defaultValue 1,000
   */
  readonly limit?: number;
}

/** A request's state with one page of its nodes, and where the next page starts (absent: the last). */
export type RequestStatePage = RequestState & { readonly cursor?: string };

/**
 * One page of a request's nodes, read with `HSCAN` over the state hash's step statuses and then only
 * the fields of the nodes found, so that a request of 100,000 items is read a page at a time instead of
 * in one multi-megabyte answer that holds Redis up. Nodes released but not begun (a for-each's items
 * waiting for a worker) have no status of their own and are not listed; nodes may repeat across pages
 * (HSCAN's guarantee is that every node present throughout is listed at least once).
 */
export async function readStatePage(
  redis: RedisClient,
  keys: Keys,
  target: { readonly plan: FlowPlan; readonly requestId: string },
  page: NodePageOptions,
): Promise<RequestStatePage | undefined> {
  const { plan, requestId } = target;
  const key = keys.request(plan.name, requestId).state;
  const [next, found] = await redis.hscan(
    key,
    page.cursor ?? '0',
    'MATCH',
    `${StepField.status}${escapeGlob(page.nodes)}*`,
    'COUNT',
    // HSCAN's count is of fields looked at; a node has about five (status, owner, attempts, times).
    FIELDS_PER_NODE * (page.limit ?? 1_000),
  );
  const vertices = new Set<string>();
  for (let i = 0; i < found.length; i += 2) {
    const path = pathOfField(StepField.status, found[i] ?? '');
    if (path !== undefined) vertices.add(vertexPath(path));
  }
  const names = [...Object.values(RequestField), ...[...vertices].flatMap(nodeFields)];
  const values = await redis.hmget(key, ...names);
  const fields: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = values[i];
    if (value != null) fields[name] = value;
  });
  const state = requestStateOf(plan, requestId, fields);
  if (state === undefined) return undefined;
  // The state lists the flow's static nodes too: a page keeps only the nodes it found.
  const nodes = Object.fromEntries(
    Object.entries(state.nodes).filter(([path]) => vertices.has(path)),
  );
  return { ...state, nodes, ...(next === '0' ? {} : { cursor: next }) };
}

/** `text` with Redis glob characters escaped, for a MATCH pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
