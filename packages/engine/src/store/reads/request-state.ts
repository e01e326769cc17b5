import type { FlowPlan } from '../../plan/flow-plan.js';
import { START, vertexPath } from '../../plan/paths.js';
import type {
  NodeError,
  NodeState,
  NodeStatus,
  RequestState,
  RequestStatus,
} from '../../types/types.js';
import type { Migration, RerunRecord } from '../../types/version-types.js';
import { pathOfField, RequestField, stepField, StepField } from '../../format/layout.js';
import { childIdForm, childRequestId } from '../../format/request-ids.js';
import { attemptsOf } from '../../format/implied-begin.js';
import { stepTimesOf } from '../../format/step-record.js';

/**
 * A request's state as `state` answers it, read from the fields of its state hash; undefined when the
 * request does not exist.
 */
export function requestStateOf(
  plan: FlowPlan,
  requestId: string,
  stored: Record<string, string>,
): RequestState | undefined {
  const fields = withQueuedEntries(stored);
  if (fields[RequestField.status] === undefined) return undefined;
  const nodes: Record<string, NodeState> = {};
  for (const path of plan.staticPaths) nodes[path] = nodeState(fields, path);
  for (const field of Object.keys(fields)) {
    const path = pathOfField(StepField.status, field);
    if (path === undefined) continue;
    const vertex = vertexPath(path);
    nodes[vertex] ??= nodeState(fields, vertex);
  }
  const error = fields[RequestField.error];
  const parent = fields[RequestField.parent];
  const version = fields[RequestField.version];
  const migrations = fields[RequestField.migrations];
  const reruns = fields[RequestField.reruns];
  if (plan.hasChildFlows) {
    const form = childIdForm(fields[RequestField.fingerprint]);
    linkChildren(plan, { requestId, form }, nodes);
  }
  return {
    requestId,
    flow: plan.name,
    status: fields[RequestField.status] as RequestStatus,
    createdAt: Number(fields[RequestField.createdAt]),
    ...optionalNumber('startedAt', fields[RequestField.startedAt]),
    ...optionalNumber('finishedAt', fields[RequestField.finishedAt]),
    ...optionalNumber('debounceUntil', fields[RequestField.debounceDue]),
    ...(fields[RequestField.waitingForKey] === undefined
      ? {}
      : { waitingForKey: fields[RequestField.waitingForKey] }),
    ...deadlineOf(fields),
    ...(error === undefined ? {} : { error: JSON.parse(error) as NodeError }),
    ...(parent === undefined ? {} : { parent: JSON.parse(parent) as RequestState['parent'] }),
    ...(version === undefined ? {} : { version }),
    ...(migrations === undefined ? {} : { migrations: JSON.parse(migrations) as Migration[] }),
    ...(reruns === undefined ? {} : { reruns: JSON.parse(reruns) as RerunRecord[] }),
    nodes,
  };
}

/** The request's deadlines, when it has any. */
function deadlineOf(fields: Record<string, string>): Pick<RequestState, 'deadline'> {
  const startBy = fields[RequestField.startBy];
  const finishBy = fields[RequestField.finishBy];
  if (startBy === undefined && finishBy === undefined) return {};
  return {
    deadline: {
      ...(startBy === undefined ? {} : { startBy: Number(startBy) }),
      ...(finishBy === undefined ? {} : { finishBy: Number(finishBy) }),
    },
  };
}

/** Adds to each child-flow node that started the child request it runs (`dag.flow`). */
export function linkChildren(
  plan: FlowPlan,
  parent: { readonly requestId: string; readonly form: 'tilde' | 'legacy' },
  nodes: Record<string, NodeState>,
): void {
  for (const [path, node] of Object.entries(nodes)) {
    const wait = plan.resolve(path)?.step;
    if (wait?.kind !== 'task' || wait.vertex.wait?.kind !== 'flow' || node.status === 'pending')
      continue;
    const requestId = childRequestId(parent.requestId, path, parent.form);
    const child = { flow: wait.vertex.wait.flow, requestId };
    nodes[path] = { ...node, child };
  }
}

/**
 * The state fields with the status `queued` for each start step's entry (field `qe|`) that has no status
 * of its own: a start step stores its entries once instead of marking each (see `completeStep.lua`).
 */
function withQueuedEntries(fields: Record<string, string>): Record<string, string> {
  for (const [field, value] of Object.entries(fields)) {
    if (pathOfField(StepField.entries, field) === undefined) continue;
    for (const entry of JSON.parse(value) as string[])
      fields[stepField(StepField.status, entry)] ??= 'queued';
  }
  return fields;
}

/** The state-hash fields {@link nodeState} reads for the vertex at `path`. */
export function nodeFields(path: string): string[] {
  const start = `${path}${START}`;
  const both = [
    StepField.status,
    StepField.error,
    StepField.attempts,
    StepField.startedAt,
    StepField.done,
    StepField.unavailable,
    StepField.rateLimited,
  ];
  return [
    ...both.flatMap((prefix) => [stepField(prefix, path), stepField(prefix, start)]),
    stepField(StepField.finishedAt, path),
    stepField(StepField.picked, path),
    stepField(StepField.compensation, path),
    stepField(StepField.cached, path),
  ];
}

/**
 * A vertex's state. A composite vertex (sub-DAG, branch, for-each) runs as a start step and an end
 * step: it is running from its start until its end completes, and lists the branches or items it picked.
 */
export function nodeState(fields: Readonly<Record<string, string>>, path: string): NodeState {
  const start = `${path}${START}`;
  const own = fields[stepField(StepField.status, path)];
  const started = fields[stepField(StepField.status, start)];
  const source = own === undefined && started !== undefined ? start : path;
  const status =
    own ?? (started === undefined ? 'pending' : started === 'completed' ? 'running' : started);
  const error = fields[stepField(StepField.error, source)];
  const picked = fields[stepField(StepField.picked, path)];
  const compensation = fields[stepField(StepField.compensation, path)];
  // A queued step that no live worker can run waits (see `lua/markUnavailable.lua`).
  const unavailable =
    status === 'queued' ? fields[stepField(StepField.unavailable, source)] : undefined;
  // A root held back by its rate-limit key (see `queue/rate-keys.ts`): the field goes once it starts.
  const limited =
    status === 'queued' || status === 'pending'
      ? fields[stepField(StepField.rateLimited, source)]
      : undefined;
  const { startedAt } = stepTimesOf(fields, started === undefined ? path : start);
  const { finishedAt } = stepTimesOf(fields, path);
  return {
    status: unavailable === undefined && limited === undefined ? (status as NodeStatus) : 'waiting',
    ...(unavailable === undefined
      ? {}
      : { reason: 'STEP_UNAVAILABLE' as const, unavailableSince: Number(unavailable) }),
    ...(limited === undefined || unavailable !== undefined
      ? {}
      : { reason: 'RATE_LIMITED' as const, rateLimitedUntil: Number(limited) }),
    attempts: attemptsOf(fields, source),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(finishedAt === undefined ? {} : { finishedAt }),
    ...(error === undefined ? {} : { error: JSON.parse(error) as NodeError }),
    ...(picked === undefined ? {} : { picked: JSON.parse(picked) as string[] }),
    ...(compensation === undefined
      ? {}
      : { compensation: JSON.parse(compensation) as NodeState['compensation'] }),
    ...(fields[stepField(StepField.cached, path)] === undefined ? {} : { cached: true as const }),
  };
}

function optionalNumber<K extends string>(
  key: K,
  value: string | undefined,
): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: Number(value) } as Record<K, number>);
}
