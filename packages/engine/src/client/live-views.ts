import { START, fill, vertexPath } from '../plan/paths.js';
import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { RequestField, StepField, stepField } from '../format/layout.js';
import { childIdForm } from '../format/request-ids.js';
import { linkChildren, nodeFields, nodeState } from '../store/reads/request-state.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { NodeError, NodeState, RequestState, RequestStatus } from '../types/types.js';
import type { RequestChange, RequestWatch, Unwatch } from '../resources/request-watch.js';

/** What a live view of a request tells its watchers after their first snapshot. */
export type LiveUpdate =
  /** Nodes whose state changed, each as it is now. */
  | { readonly kind: 'nodes'; readonly nodes: Readonly<Record<string, NodeState>> }
  /** The request's own status changed (and its end time and error, once it ended). */
  | {
      readonly kind: 'request';
      readonly status: RequestStatus;
      readonly finishedAt?: number;
      readonly error?: NodeError;
    }
  /** A resume or rerun reset nodes: the whole state again. */
  | { readonly kind: 'state'; readonly state: RequestState };

/** A watcher's view: the state when it joined, and a function that leaves. */
export interface LiveView {
  readonly state: RequestState;
  close(): Promise<void>;
}

const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);

/** Entries of one start step (for-each items) told as queued when it completes, at most. */
const ENTRIES_TOLD = 2_000;

/** Changes are read and told at most this often per request, however fast they come. */
export const LIVE_GAP_MS = 150;

/** A request's view shared by every watcher in this process. */
interface SharedView {
  readonly listeners: Set<(update: LiveUpdate) => void>;
  /** The state as the watchers know it: read once, then kept by the changes. */
  state: Promise<RequestState>;
  /** The plan of the request's version (read once). */
  plan: Promise<FlowPlan> | undefined;
  /** Step paths announced since the last read. */
  readonly changed: Set<string>;
  /** The request's status was announced since the last read. */
  requestChanged: boolean;
  timer: NodeJS.Timeout | undefined;
  unwatch: Promise<Unwatch>;
}

/**
 * Live views of requests that cost by change, not by size: per process, one subscription and one state
 * read per watched request however many watch it; then each announced change (a node's status, the
 * request's) is read alone, at most every {@link LIVE_GAP_MS}, and told to every watcher.
 */
export class LiveViews {
  readonly #views = new Map<string, SharedView>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly watch: RequestWatch,
    private readonly sources: {
      /** Reads a request's whole state (`FlowReader.state`). */
      readonly read: (flow: string, requestId: string) => Promise<RequestState>;
      /** The plan of the version a request runs on. */
      readonly plan: (flow: string, requestId: string) => Promise<FlowPlan>;
    },
  ) {}

  /** Requests watched in this process now. */
  get size(): number {
    return this.#views.size;
  }

  /**
   * Joins the view of a request: answers its state now, then calls `listener` with each change.
   * @throws what reading the state throws (`FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`)
   */
  async open(
    flow: string,
    requestId: string,
    listener: (update: LiveUpdate) => void,
  ): Promise<LiveView> {
    const key = `${flow}/${requestId}`;
    const view = this.#views.get(key) ?? this.#start(flow, requestId, key);
    view.listeners.add(listener);
    try {
      const state = await view.state;
      // The view keeps its state up to date: the joiner gets its own copy of it as it is now.
      const now = { ...state, nodes: { ...state.nodes } };
      return { state: now, close: () => this.#leave(key, view, listener) };
    } catch (error) {
      await this.#leave(key, view, listener);
      throw error;
    }
  }

  #start(flow: string, requestId: string, key: string): SharedView {
    const view: SharedView = {
      listeners: new Set(),
      state: Promise.resolve(undefined as unknown as RequestState),
      plan: undefined,
      changed: new Set(),
      requestChanged: false,
      timer: undefined,
      unwatch: Promise.resolve(() => Promise.resolve()),
    };
    const onChange = (change: RequestChange): void => {
      if (change.node === undefined) view.requestChanged = true;
      else view.changed.add(change.node);
      view.timer ??= setTimeout(() => void this.#flush(flow, requestId, view), LIVE_GAP_MS);
    };
    // Subscribed before the read: a change after it is announced, one before it is in the read.
    view.unwatch = this.watch.watch(flow, requestId, onChange);
    view.state = view.unwatch.then(() => this.sources.read(flow, requestId));
    view.state.catch(() => undefined);
    this.#views.set(key, view);
    return view;
  }

  async #leave(
    key: string,
    view: SharedView,
    listener: (update: LiveUpdate) => void,
  ): Promise<void> {
    view.listeners.delete(listener);
    if (view.listeners.size > 0 || this.#views.get(key) !== view) return;
    this.#views.delete(key);
    clearTimeout(view.timer);
    await (
      await view.unwatch
    )();
  }

  /** Reads what changed since the last flush and tells every watcher. */
  async #flush(flow: string, requestId: string, view: SharedView): Promise<void> {
    const paths = [...view.changed];
    const requestChanged = view.requestChanged;
    view.changed.clear();
    view.requestChanged = false;
    try {
      const state = await view.state;
      view.plan ??= this.sources.plan(flow, requestId);
      const plan = await view.plan;
      const updates = await this.#changes(flow, requestId, { state, plan, paths, requestChanged });
      for (const update of updates) {
        if (update.kind === 'state') view.state = Promise.resolve(update.state);
        for (const listener of view.listeners) listener(update);
      }
    } catch {
      // Gone (expired) or unreadable now: the next change tries again.
    } finally {
      view.timer =
        view.changed.size > 0 || view.requestChanged
          ? setTimeout(() => void this.#flush(flow, requestId, view), LIVE_GAP_MS)
          : undefined;
    }
  }

  /** The updates of one flush, applied to `state` (kept as the watchers know it). */
  async #changes(
    flow: string,
    requestId: string,
    at: {
      readonly state: RequestState;
      readonly plan: FlowPlan;
      readonly paths: readonly string[];
      readonly requestChanged: boolean;
    },
  ): Promise<LiveUpdate[]> {
    const { state, paths } = at;
    const updates: LiveUpdate[] = [];
    // A pending request runs from its first node's start, which only the node's channel announces.
    if (at.requestChanged || (state.status === 'pending' && paths.length > 0)) {
      const [status, finishedAt, error] = await this.redis.hmget(
        this.keys.request(flow, requestId).state,
        RequestField.status,
        RequestField.finishedAt,
        RequestField.error,
      );
      const was = state.status;
      // A resume or rerun enqueues nodes again (and a rerun resets them): read the whole state.
      if (status === 'running' && (was === 'paused' || ENDED.has(was)))
        return [{ kind: 'state', state: await this.sources.read(flow, requestId) }];
      if (status != null && status !== was) {
        const ended = {
          status: status as RequestStatus,
          ...(finishedAt == null ? {} : { finishedAt: Number(finishedAt) }),
          ...(error == null ? {} : { error: JSON.parse(error) as NodeError }),
        };
        Object.assign(state, ended);
        updates.push({ kind: 'request', ...ended });
      }
    }
    if (paths.length > 0) {
      const nodes = await this.#readNodes(at.plan, requestId, paths, state.nodes);
      Object.assign(state.nodes, nodes);
      updates.unshift({ kind: 'nodes', nodes });
    }
    return updates;
  }

  /**
   * The state of the vertices of the changed step paths, read alone; a start step that completed also
   * makes its entries (sub-DAG and branch roots, for-each items) queued. A completion marks the
   * successors it released queued without announcing them: their statuses are read too, and a
   * successor whose status changed is read whole (a for-each's end, released by every item, stays a
   * status read while it waits).
   */
  async #readNodes(
    plan: FlowPlan,
    requestId: string,
    paths: readonly string[],
    known: RequestState['nodes'],
  ): Promise<Record<string, NodeState>> {
    const key = this.keys.request(plan.name, requestId).state;
    const changed = new Set(paths.map(vertexPath));
    const released = new Set(
      paths.flatMap((path) => {
        const at = plan.resolve(path);
        return at === undefined || at.step.kind === 'start'
          ? []
          : at.step.releases.map((release) => vertexPath(fill(release.step, at.keys)));
      }),
    );
    for (const vertex of changed) released.delete(vertex);
    const starts = paths.filter((path) => path.endsWith(START));
    const statusNames = [...released].flatMap((vertex) => [
      stepField(StepField.status, vertex),
      stepField(StepField.status, `${vertex}${START}`),
    ]);
    const names = [
      ...[...changed].flatMap(nodeFields),
      ...starts.map((path) => stepField(StepField.entries, path)),
      ...statusNames,
      // The parent's fingerprint says the form of its child ids (see `childIdForm`).
      ...(plan.hasChildFlows ? [RequestField.fingerprint] : []),
    ];
    const fields = await this.#hmget(key, names);
    for (const vertex of released) {
      if (nodeState(fields, vertex).status !== (known[vertex]?.status ?? 'pending'))
        changed.add(vertex);
    }
    const more = [...released].filter((vertex) => changed.has(vertex)).flatMap(nodeFields);
    if (more.length > 0) Object.assign(fields, await this.#hmget(key, more));
    const nodes: Record<string, NodeState> = {};
    for (const vertex of changed) nodes[vertex] = nodeState(fields, vertex);
    // A child-flow node names its child request, as in the whole state.
    if (plan.hasChildFlows) {
      const form = childIdForm(fields[RequestField.fingerprint]);
      linkChildren(plan, { requestId, form }, nodes);
    }
    // Entries without a status of their own are queued (see `withQueuedEntries` in request-state.ts);
    // of a large for-each, the first ENTRIES_TOLD are told, the others once they change.
    let told = 0;
    for (const path of starts) {
      const stored = fields[stepField(StepField.entries, path)];
      for (const entry of stored === undefined ? [] : (JSON.parse(stored) as string[])) {
        const vertex = vertexPath(entry);
        if (told >= ENTRIES_TOLD) break;
        if (nodes[vertex] !== undefined || known[vertex] !== undefined) continue;
        nodes[vertex] = { status: 'queued', attempts: 0 };
        told += 1;
      }
    }
    return nodes;
  }

  /** The fields of `names` of a hash that exist, by name. */
  async #hmget(key: string, names: readonly string[]): Promise<Record<string, string>> {
    if (names.length === 0) return {};
    const values = await this.redis.hmget(key, ...names);
    const fields: Record<string, string> = {};
    names.forEach((name, i) => {
      const value = values[i];
      if (value != null) fields[name] = value;
    });
    return fields;
  }
}
