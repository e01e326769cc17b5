import type {
  DagDescription,
  NodeDescription,
  NodeState,
  RequestState,
} from '@dagflow/server/contract';
import { duration } from '../dom.js';
import { joinPath, templateOf } from '../paths.js';
import { pendingStatus } from '../pending-status.js';
import {
  type BoxStatus,
  type StatusCounts,
  combinedStatus,
  countStatuses,
  describeCounts,
  statusText,
} from '../status.js';

/** A drawn task: one per task of the definition, however many for-each items run it. */
export interface Box {
  /** Template path (`each-user/verify/get-image`). */
  readonly id: string;
  readonly label: string;
  /** The group (sub-DAG, branch key, for-each body) it is drawn in. */
  readonly cluster?: string;
  readonly status: BoxStatus;
  /** Instances by status; more than one only inside for-each bodies. */
  readonly counts: StatusCounts;
  /** Instance paths with their state (`each-user[42]/verify/get-image`). */
  readonly instances: readonly InstanceState[];
  /** Without a request: what the definition says of the task (retries, timeout, fallback...). */
  readonly detail?: string;
  /** The line under its name: the definition's detail, its status, or its instances' counts. */
  readonly subtitle: string;
  /** For a signal, sleep or child-flow node: what it waits for. */
  readonly wait?: NodeWait;
}

/** What a waiting node waits for, as the flow's description says. */
export type NodeWait = NonNullable<NodeDescription['wait']>;

/** A group around a composite vertex's inner DAG, or around one branch key. */
export interface Cluster {
  /** Template path of the vertex, or `vertex/key` for a branch key. */
  readonly id: string;
  readonly label: string;
  readonly kind: 'subdag' | 'branch' | 'branch-key' | 'foreach';
  readonly parent?: string;
  readonly status: BoxStatus;
  readonly counts: StatusCounts;
  readonly instances: readonly InstanceState[];
}

/** One node instance of a request. */
export interface InstanceState {
  readonly path: string;
  readonly state: NodeState;
}

/** An edge between drawn tasks (edges into and out of composites go to their inner roots and terminals). */
export interface Link {
  readonly from: string;
  readonly to: string;
  readonly executionOnly: boolean;
  /** A stream edge: `to` reads `from`'s chunks while `from` runs. */
  readonly stream?: boolean;
}

/** What the DAG view draws. */
export interface GraphModel {
  readonly boxes: readonly Box[];
  readonly clusters: readonly Cluster[];
  readonly links: readonly Link[];
}

const KIND_LABEL = { subdag: 'sub-DAG', branch: 'branch', foreach: 'for-each' } as const;

/**
 * The drawing of a flow's DAG, with the statuses of a request when one is given. For-each items
 * collapse: a body task is drawn once with the counts of its items' statuses.
 */
export function buildGraph(dag: DagDescription, state?: RequestState): GraphModel {
  const instances = groupByTemplate(state);
  const boxes: Box[] = [];
  const clusters: Cluster[] = [];
  const links: Link[] = [];

  const statusOf = (id: string, skipped: boolean) => {
    const found = instances.get(id) ?? [];
    const counts = countStatuses(found.map((instance) => instance.state));
    const status: BoxStatus = skipped && found.length === 0 ? 'skipped' : combinedStatus(counts);
    return { counts, status, instances: found };
  };

  const walk = (
    inner: DagDescription,
    scope: string,
    cluster: string | undefined,
    skipped: boolean,
  ) => {
    for (const node of inner.nodes) {
      const id = joinPath(scope, node.id);
      const at = cluster === undefined ? {} : { cluster };
      if (node.kind === 'task') {
        const found = statusOf(id, skipped);
        // A sleep's job is a delayed one: queued is how it sleeps.
        const sleeping = node.wait?.kind === 'sleep' && found.status === 'queued';
        const own = sleeping ? { ...found, status: 'waiting' as const } : found;
        const detail = state === undefined ? taskDetail(node) : undefined;
        const single = unavailable(own.instances)
          ? 'step unavailable'
          : own.status === 'waiting' && node.wait !== undefined
            ? waitText(node.wait)
            : statusText(own.status);
        boxes.push({
          id,
          label: taskLabel(node),
          ...at,
          ...own,
          ...(detail === undefined ? {} : { detail }),
          ...(node.wait === undefined ? {} : { wait: node.wait }),
          subtitle: detail ?? (own.instances.length > 1 ? describeCounts(own.counts) : single),
        });
        continue;
      }
      const own = statusOf(id, skipped);
      clusters.push({
        id,
        label: `${node.id} · ${KIND_LABEL[node.kind]}${itemNote(node, own.instances)}`,
        kind: node.kind,
        ...(cluster === undefined ? {} : { parent: cluster }),
        ...own,
      });
      if (node.kind === 'branch') {
        const ended = own.status === 'completed' || own.status === 'failed';
        const picked = new Set(own.instances.flatMap((instance) => instance.state.picked ?? []));
        for (const [key, branch] of Object.entries(node.branches ?? {})) {
          const keyId = joinPath(id, key);
          const notPicked = skipped || (ended && !picked.has(key));
          clusters.push({
            id: keyId,
            label: key,
            kind: 'branch-key',
            parent: id,
            ...statusOf(keyId, notPicked),
          });
          walk(branch, keyId, keyId, notPicked);
        }
      } else if (node.dag !== undefined) {
        walk(node.dag, id, id, skipped);
      }
    }
    for (const edge of inner.edges) {
      for (const from of exits(inner, scope, edge.from))
        for (const to of entries(inner, scope, edge.to))
          links.push({
            from,
            to,
            executionOnly: edge.executionOnly === true,
            ...(edge.stream === true ? { stream: true } : {}),
          });
    }
  };
  walk(dag, '', undefined, false);
  return {
    boxes: state === undefined ? boxes : refinePending(boxes, links, state),
    clusters,
    links,
  };
}

/** Marks tasks that have not started as held or not run, from the request's status (see {@link pendingStatus}). */
function refinePending(boxes: Box[], links: readonly Link[], state: RequestState): Box[] {
  const statuses = new Map(boxes.map((box) => [box.id, box.status]));
  return boxes.map((box) => {
    if (box.instances.length > 1) return box;
    const parents = links
      .filter((link) => link.to === box.id)
      .map((link) => statuses.get(link.from) ?? 'pending');
    const status = pendingStatus(state.status, { status: box.status, parents });
    return status === box.status ? box : { ...box, status, subtitle: statusText(status) };
  });
}

/** Whether a task's one instance waits because no live worker has its code (`STEP_UNAVAILABLE`). */
function unavailable(instances: readonly InstanceState[]): boolean {
  return instances.length === 1 && instances[0]?.state.reason === 'STEP_UNAVAILABLE';
}

function taskLabel(node: NodeDescription): string {
  return node.queue === undefined ? node.id : `${node.id} @${node.queue}`;
}

/** What a waiting node's box says: `waiting for a signal`, `sleeping 60.0 s`, `waiting for flow payments`. */
function waitText(wait: NodeWait): string {
  if (wait.kind === 'signal') return 'waiting for a signal';
  if (wait.kind === 'sleep') return `sleeping ${duration(wait.ms)}`;
  if (wait.kind === 'event') return `waiting for event ${wait.event}`;
  return `waiting for flow ${wait.flow}`;
}

/** What the definition says a wait is: `signal · timeout 1 h 00 min`, `sleep 60.0 s`, `child flow payments`. */
function waitDetail(wait: NodeWait): string {
  if (wait.kind === 'sleep') return `sleep ${duration(wait.ms)}`;
  if (wait.kind === 'flow') return `child flow ${wait.flow}`;
  const what = wait.kind === 'event' ? `event ${wait.event}` : 'signal';
  return wait.timeoutMs === undefined ? what : `${what} · timeout ${duration(wait.timeoutMs)}`;
}

/** `retries 2 · timeout 5000 ms · fallback`, or `task`. */
function taskDetail(node: NodeDescription): string {
  if (node.wait !== undefined) return waitDetail(node.wait);
  const parts = [
    node.retries ? `retries ${node.retries}` : '',
    node.timeoutMs === undefined ? '' : `timeout ${node.timeoutMs} ms`,
    node.fallback ? 'fallback' : '',
    node.compensate ? 'compensation' : '',
    node.aggregator ? 'aggregator' : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? 'task' : parts.join(' · ');
}

/** ` (3 items)` for a for-each once its items are known. */
function itemNote(node: NodeDescription, instances: readonly InstanceState[]): string {
  if (node.kind !== 'foreach' || instances.length === 0) return '';
  const items = instances.reduce((sum, instance) => sum + (instance.state.picked?.length ?? 0), 0);
  return ` (${items} item${items === 1 ? '' : 's'})`;
}

/** Drawn tasks where data enters a vertex: itself, or its inner roots (every branch's). */
function entries(dag: DagDescription, scope: string, id: string): string[] {
  return ends(dag, scope, id, (inner) => inner.roots, entries);
}

/** Drawn tasks where data leaves a vertex: itself, or its inner terminals (every branch's). */
function exits(dag: DagDescription, scope: string, id: string): string[] {
  return ends(dag, scope, id, (inner) => inner.terminals, exits);
}

function ends(
  dag: DagDescription,
  scope: string,
  id: string,
  pick: (inner: DagDescription) => readonly string[],
  recurse: (dag: DagDescription, scope: string, id: string) => string[],
): string[] {
  const node = dag.nodes.find((candidate) => candidate.id === id);
  const path = joinPath(scope, id);
  if (node === undefined || node.kind === 'task') return [path];
  const inners: [string, DagDescription][] =
    node.kind === 'branch'
      ? Object.entries(node.branches ?? {}).map(([key, inner]) => [joinPath(path, key), inner])
      : node.dag === undefined
        ? []
        : [[path, node.dag]];
  return inners.flatMap(([innerScope, inner]) =>
    pick(inner).flatMap((innerId) => recurse(inner, innerScope, innerId)),
  );
}

function groupByTemplate(state: RequestState | undefined): Map<string, InstanceState[]> {
  const groups = new Map<string, InstanceState[]>();
  for (const [path, node] of Object.entries(state?.nodes ?? {})) {
    const template = templateOf(path);
    const group = groups.get(template);
    if (group === undefined) groups.set(template, [{ path, state: node }]);
    else group.push({ path, state: node });
  }
  return groups;
}
