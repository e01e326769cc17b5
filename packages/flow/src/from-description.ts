import { Dag, type Vertex } from './dag.js';
import { handledElsewhere, markElsewhere } from './stand-ins.js';
import type { DagDescription, NodeDescription } from './describe.js';
import { DagflowError, ErrorCode } from './errors.js';
import type { Handler, NodeOptions } from './types.js';
import type { Wait } from './wait-options.js';

/**
 * Rebuilds a DAG from its JSON description, for processes that run none of its code: a server that
 * executes and inspects flows registered by workers, a service that handles one node. Handlers,
 * aggregators, conditions and transforms are stand-ins that fail if ever called; `handlers` supplies
 * real handlers by node path (`verify/face-match`).
 *
 * With `code`, the DAG a process registered now (maybe of another version), every vertex whose id and
 * kind the code has at the same place takes the code's handler, options, condition, for-each function
 * and aggregator, and every edge the code has takes its transform: a request that started on an older
 * shape runs each node with the code the process has now. What the code lacks stays a stand-in (see
 * `isHandledElsewhere`).
 */
export function dagFromDescription(
  description: DagDescription,
  handlers: ReadonlyMap<string, Handler<never, unknown>> = new Map(),
  code?: Dag,
): Dag {
  return fillFrom(new Dag(), description, { handlers, scope: '', code });
}

interface Source {
  readonly handlers: ReadonlyMap<string, Handler<never, unknown>>;
  readonly scope: string;
  /** The code's DAG at this scope, when the process has one. */
  readonly code: Dag | undefined;
}

function fillFrom(dag: Dag, description: DagDescription, source: Source): Dag {
  const { scope, code } = source;
  const vertices = new Map(code?.vertices.map((vertex) => [vertex.id, vertex]));
  for (const node of description.nodes) {
    const path = scope === '' ? node.id : `${scope}/${node.id}`;
    const own = vertices.get(node.id);
    addVertex(dag, node, { ...source, scope: path }, own?.kind === node.kind ? own : undefined);
  }
  for (const edge of description.edges) {
    const forward = code?.edges.find((e) => e.from === edge.from && e.to === edge.to)?.forward;
    dag.edge(edge.from, edge.to, {
      ...(edge.executionOnly ? { executionOnly: true } : {}),
      ...(edge.stream ? { stream: true } : {}),
      ...(edge.forward
        ? { forward: forward ?? elsewhere(`the transform on edge ${edge.from} -> ${edge.to}`) }
        : {}),
    });
  }
  return dag;
}

function addVertex(dag: Dag, node: NodeDescription, source: Source, own: Vertex | undefined): void {
  const path = source.scope;
  const aggregator = (code: { readonly aggregator?: unknown } | undefined) =>
    node.aggregator
      ? { aggregator: (code?.aggregator as never) ?? elsewhere(`the aggregator of '${path}'`) }
      : {};
  const inner = (code: Dag | undefined): Source => ({
    handlers: source.handlers,
    scope: path,
    code,
  });
  switch (node.kind) {
    case 'task': {
      const task = own?.kind === 'task' ? own : undefined;
      if (node.wait !== undefined) return addWait(dag, node.id, node.wait, task);
      const handler =
        source.handlers.get(path) ??
        (task === undefined || task.wait !== undefined
          ? handledElsewhere(path, node.queue ?? 'the flow queue')
          : task.handler);
      // The described cache stands: the code gives only its key function.
      const { cache, ...options }: NodeOptions =
        task?.wait === undefined ? (task?.options ?? {}) : {};
      dag.node(node.id, handler, {
        ...options,
        retries: node.retries ?? 0,
        ...(node.timeoutMs === undefined ? {} : { timeoutMs: node.timeoutMs }),
        ...(node.backoff === undefined ? {} : { backoff: node.backoff }),
        ...(node.queue === undefined ? {} : { queue: node.queue }),
        ...(node.delayMs === undefined ? {} : { delayMs: node.delayMs }),
        ...aggregator(task?.options),
        ...cached(node.cache, cache),
      });
      return;
    }
    case 'subdag': {
      const sub = own?.kind === 'subdag' ? own : undefined;
      dag.subDag(
        node.id,
        fillFrom(new Dag(), node.dag ?? empty(path), inner(sub?.dag)),
        aggregator(sub?.options),
      );
      return;
    }
    case 'foreach': {
      const each = own?.kind === 'foreach' ? own : undefined;
      const limit =
        node.maxConcurrency === undefined ? {} : { maxConcurrency: node.maxConcurrency };
      const body = dag.forEachBranch(
        node.id,
        each?.foreach ?? elsewhere(`the foreach function of '${path}'`),
        { ...aggregator(each?.options), ...limit },
      );
      fillFrom(body, node.dag ?? empty(path), inner(each?.body));
      return;
    }
    case 'branch': {
      const branch = own?.kind === 'branch' ? own : undefined;
      const keys = Object.keys(node.branches ?? {});
      const sameKeys =
        branch !== undefined &&
        keys.length === branch.branches.size &&
        keys.every((key) => branch.branches.has(key));
      const branches = dag.conditionalBranch(
        node.id,
        keys,
        sameKeys ? branch.condition : elsewhere(`the condition of '${path}'`),
        aggregator(branch?.options),
      );
      for (const key of keys) {
        const description = node.branches?.[key];
        const target = branches[key];
        if (description !== undefined && target !== undefined)
          fillFrom(target, description, {
            handlers: source.handlers,
            scope: `${path}/${key}`,
            code: branch?.branches.get(key),
          });
      }
    }
  }
}

/**
 * A signal, event, sleep or child-flow node, as its description has it, with the code's fallback or
 * child-input function when the code waits the same way at that place.
 */
function addWait(dag: Dag, id: string, wait: Wait, code: Vertex | undefined): void {
  const same = code?.kind === 'task' && code.wait?.kind === wait.kind ? code : undefined;
  switch (wait.kind) {
    case 'signal': {
      const fallback = same?.options.fallback;
      dag.signal(id, {
        ...(wait.timeoutMs === undefined ? {} : { timeoutMs: wait.timeoutMs }),
        ...(fallback === undefined ? {} : { fallback }),
      });
      return;
    }
    case 'sleep':
      dag.sleep(id, wait.ms);
      return;
    case 'flow':
      dag.flow(
        id,
        wait.flow,
        same === undefined ? {} : { input: same.handler as (input: never) => unknown },
      );
      return;
    case 'event': {
      const fallback = same?.options.fallback;
      dag.waitFor(id, { ...wait, ...(fallback === undefined ? {} : { fallback }) });
    }
  }
}

function empty(path: string): never {
  throw new DagflowError(ErrorCode.DAG_EMPTY, `The description of '${path}' has no inner DAG.`);
}

function elsewhere(what: string): () => never {
  return markElsewhere(() => {
    throw new DagflowError(
      ErrorCode.NO_HANDLER,
      `${what} runs in the service that registered the flow.`,
    );
  });
}

/**
 * The cache of a described task: its `ttlMs` as described, its key function from the code (a key is
 * code, not data); none when either lacks it.
 */
function cached(
  described: NodeDescription['cache'],
  code: NodeOptions['cache'],
): Pick<NodeOptions, 'cache'> {
  if (described === undefined || code === undefined) return {};
  return { cache: { key: code.key, ttlMs: described.ttlMs } };
}
