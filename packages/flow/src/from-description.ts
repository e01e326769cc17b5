import { Dag, handledElsewhere } from './dag.js';
import type { DagDescription, NodeDescription } from './describe.js';
import { DagflowError, ErrorCode } from './errors.js';
import type { Handler, Wait } from './types.js';

/**
 * Rebuilds a DAG from its JSON description, for processes that run none of its code: a server that
 * executes and inspects flows registered by workers, a service that handles one node. Handlers,
 * aggregators, conditions and transforms are stand-ins that fail if ever called; `handlers` supplies
 * real handlers by node path (`verify/face-match`).
 */
export function dagFromDescription(
  description: DagDescription,
  handlers: ReadonlyMap<string, Handler<never, unknown>> = new Map(),
): Dag {
  return fillFrom(new Dag(), description, { handlers, scope: '' });
}

interface Source {
  readonly handlers: ReadonlyMap<string, Handler<never, unknown>>;
  readonly scope: string;
}

function fillFrom(dag: Dag, description: DagDescription, { handlers, scope }: Source): Dag {
  for (const node of description.nodes)
    addVertex(dag, node, handlers, scope === '' ? node.id : `${scope}/${node.id}`);
  for (const edge of description.edges) {
    dag.edge(edge.from, edge.to, {
      ...(edge.executionOnly ? { executionOnly: true } : {}),
      ...(edge.forward
        ? { forward: elsewhere(`the transform on edge ${edge.from} -> ${edge.to}`) }
        : {}),
    });
  }
  return dag;
}

function addVertex(
  dag: Dag,
  node: NodeDescription,
  handlers: ReadonlyMap<string, Handler<never, unknown>>,
  path: string,
): void {
  const aggregator = node.aggregator
    ? { aggregator: elsewhere(`the aggregator of '${path}'`) }
    : {};
  switch (node.kind) {
    case 'task':
      if (node.wait !== undefined) return addWait(dag, node.id, node.wait);
      dag.node(
        node.id,
        handlers.get(path) ?? handledElsewhere(path, node.queue ?? 'the flow queue'),
        {
          retries: node.retries ?? 0,
          ...(node.timeoutMs === undefined ? {} : { timeoutMs: node.timeoutMs }),
          ...(node.backoff === undefined ? {} : { backoff: node.backoff }),
          ...(node.queue === undefined ? {} : { queue: node.queue }),
          ...(node.delayMs === undefined ? {} : { delayMs: node.delayMs }),
          ...aggregator,
        },
      );
      return;
    case 'subdag':
      dag.subDag(
        node.id,
        fillFrom(new Dag(), node.dag ?? empty(path), { handlers, scope: path }),
        aggregator,
      );
      return;
    case 'foreach': {
      const limit =
        node.maxConcurrency === undefined ? {} : { maxConcurrency: node.maxConcurrency };
      const body = dag.forEachBranch(node.id, elsewhere(`the foreach function of '${path}'`), {
        ...aggregator,
        ...limit,
      });
      fillFrom(body, node.dag ?? empty(path), { handlers, scope: path });
      return;
    }
    case 'branch': {
      const keys = Object.keys(node.branches ?? {});
      const branches = dag.conditionalBranch(
        node.id,
        keys,
        elsewhere(`the condition of '${path}'`),
        aggregator,
      );
      for (const key of keys) {
        const inner = node.branches?.[key];
        const target = branches[key];
        if (inner !== undefined && target !== undefined)
          fillFrom(target, inner, { handlers, scope: `${path}/${key}` });
      }
    }
  }
}

/** A signal, sleep or child-flow node, as its description has it. */
function addWait(dag: Dag, id: string, wait: Wait): void {
  switch (wait.kind) {
    case 'signal':
      dag.signal(id, wait.timeoutMs === undefined ? {} : { timeoutMs: wait.timeoutMs });
      return;
    case 'sleep':
      dag.sleep(id, wait.ms);
      return;
    case 'flow':
      dag.flow(id, wait.flow);
  }
}

function empty(path: string): never {
  throw new DagflowError(ErrorCode.DAG_EMPTY, `The description of '${path}' has no inner DAG.`);
}

function elsewhere(what: string): () => never {
  return () => {
    throw new DagflowError(
      ErrorCode.NO_HANDLER,
      `${what} runs in the service that registered the flow.`,
    );
  };
}
