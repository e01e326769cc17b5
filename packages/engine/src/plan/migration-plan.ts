import type { NodeDescription } from '@dagflow/flow';
import { RequestField, StepField, pathOfField, stepField } from '../format/layout.js';
import type { FlowPlan } from './flow-plan.js';
import { START, vertexPath } from './paths.js';

/** Why a request cannot move to the new shape as it stands (see `ErrorCode.MIGRATION_REFUSED`). */
export interface MigrationRefusal {
  readonly reason: 'running' | 'composite-changed' | 'nothing-to-run';
  readonly nodes: readonly string[];
}

/** What moving one request from one version's shape to another's writes (see `lua/migrateRequest.lua`). */
export interface MigrationPlan {
  /** Vertices of the old shape that the new one lacks, whose state and outputs are dropped. */
  readonly dropped: readonly string[];
  /** State-hash fields to delete. */
  readonly dropState: readonly string[];
  /** Data-hash fields to delete. */
  readonly dropData: readonly string[];
  /** State-hash fields to set: join counts and the count of completed top-level terminals. */
  readonly set: readonly (readonly [string, string])[];
  /** Steps whose jobs of earlier generations must no longer start (owner `r<generation>`). */
  readonly fence: readonly string[];
  /** Steps to run on the new shape: ready new ones, and queued ones whose jobs carry the old version. */
  readonly release: readonly string[];
}

/** Statuses of a step that has a job in BullMQ (waiting, delayed or parked). */
const LIVE = new Set(['queued', 'retrying', 'waiting']);

/** State-hash prefixes of a step's own fields, dropped with the step. */
const STATE_PREFIXES = Object.values(StepField).filter(
  (prefix) =>
    prefix !== StepField.output && prefix !== StepField.input && prefix !== StepField.signal,
);

/**
 * Works out how a request whose state hash holds `fields` moves from `from`'s shape to `to`'s: steps
 * completed under the same path keep their outputs; steps `to` lacks are dropped (and fenced, when they
 * have jobs); a vertex new to `to` whose parents are done is released, one whose parents are partly done
 * gets its join count; steps still queued are released again so that they run on `to`. Refuses a request
 * with a running step, or with a sub-DAG, branch or for-each in progress whose shape changed, or a
 * running or paused one that `to` leaves nothing to run (a failed or stopped one is marked all done:
 * rerun completes it).
 */
export function planMigration(
  from: FlowPlan,
  to: FlowPlan,
  fields: Readonly<Record<string, string>>,
): MigrationPlan | MigrationRefusal {
  const statuses = stepStatuses(fields);
  const running = [...statuses].flatMap(([path, status]) =>
    status === 'running' ? [vertexPath(path)] : [],
  );
  if (running.length > 0) return { reason: 'running', nodes: running };
  const changed = changedComposites(from, to, statuses);
  if (changed.length > 0) return { reason: 'composite-changed', nodes: changed };

  const gone = (path: string): boolean => {
    const before = from.resolve(path)?.step.kind;
    const after = to.resolve(path)?.step.kind;
    return after === undefined || (before !== undefined && before !== after);
  };
  const droppedSteps = [...statuses.keys()].filter(gone);
  const fence = droppedSteps.filter((path) => LIVE.has(statuses.get(path) ?? ''));
  const kept = [...statuses].flatMap(([path, status]) =>
    !gone(path) && LIVE.has(status) ? [path] : [],
  );

  const { graph } = to;
  const done = (id: string): boolean => statuses.get(id) === 'completed' && !gone(id);
  const started = (path: string): boolean => statuses.has(path) && !gone(path);
  const entry = (id: string): string =>
    graph.nodes.get(id)?.vertex.kind === 'task' ? id : `${id}${START}`;
  const ready: string[] = [];
  const set: [string, string][] = [];
  for (const id of graph.order) {
    const node = graph.nodes.get(id);
    if (node === undefined || done(id) || started(entry(id))) continue;
    const parents = node.inEdges.map((edge) => edge.from);
    const finished = parents.filter(done).length;
    if (finished === parents.length) ready.push(entry(id));
    else if (parents.length > 1)
      set.push([stepField(StepField.joinOpen, entry(id)), String(finished)]);
  }
  const terminalsDone = graph.terminals.filter(done).length;
  set.push([RequestField.terminalsDone, String(terminalsDone)]);
  if (terminalsDone === graph.terminals.length) {
    // A failed or stopped request then has nothing left to run: rerun completes it (see
    // controlRequest.lua); a live one would have to end here, which a migration does not do.
    const status = fields[RequestField.status] ?? '';
    if (status !== 'failed' && status !== 'stopped')
      return { reason: 'nothing-to-run', nodes: [...graph.terminals] };
    set.push([RequestField.allDone, String(Date.now())]);
  }

  const release = [...new Set([...kept, ...ready])];
  return {
    dropped: [...new Set(droppedSteps.map(vertexPath))],
    // Released steps may run now: they no longer wait as unavailable.
    dropState: [
      ...droppedSteps.flatMap((path) => STATE_PREFIXES.map((prefix) => stepField(prefix, path))),
      ...release.map((path) => stepField(StepField.unavailable, path)),
    ],
    dropData: droppedSteps.flatMap((path) => [
      stepField(StepField.output, path),
      stepField(StepField.input, path),
      stepField(StepField.signal, path),
    ]),
    set,
    fence: [...fence, ...release],
    release,
  };
}

/** Whether `planMigration` refused. */
export function isRefusal(plan: MigrationPlan | MigrationRefusal): plan is MigrationRefusal {
  return 'reason' in plan;
}

/**
 * Every step's status: its own field, and `queued` for a start step's entries without one (field `qe|`,
 * see `lua/completeStep.lua`).
 */
function stepStatuses(fields: Readonly<Record<string, string>>): Map<string, string> {
  const statuses = new Map<string, string>();
  for (const [field, value] of Object.entries(fields)) {
    const path = pathOfField(StepField.status, field);
    if (path !== undefined) statuses.set(path, value);
  }
  for (const [field, value] of Object.entries(fields)) {
    if (pathOfField(StepField.entries, field) === undefined) continue;
    for (const entry of JSON.parse(value) as string[])
      if (!statuses.has(entry)) statuses.set(entry, 'queued');
  }
  return statuses;
}

/** Top-level composites that started, have not ended and whose shape differs between the versions. */
function changedComposites(
  from: FlowPlan,
  to: FlowPlan,
  statuses: ReadonlyMap<string, string>,
): string[] {
  const described = (plan: FlowPlan, id: string): string | undefined => {
    const node = plan.description.nodes.find((n: NodeDescription) => n.id === id);
    return node === undefined ? undefined : JSON.stringify({ ...node, parents: [] });
  };
  return from.description.nodes.flatMap((node) => {
    if (node.kind === 'task') return [];
    const started = statuses.get(`${node.id}${START}`) === 'completed';
    const ended = statuses.get(node.id) === 'completed';
    if (!started || ended || described(to, node.id) === undefined) return [];
    return described(from, node.id) === described(to, node.id) ? [] : [node.id];
  });
}
