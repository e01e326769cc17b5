import { createHash } from 'node:crypto';
import type { Dag, DagDescription, DagGraph, NodeOptions, TaskVertex } from '@dagflow/flow';
import { describeDag, validateDag } from '@dagflow/flow';
import type { JobsOptions } from 'bullmq';
import { decode } from './codec.js';

/** Default delay between attempts when a node sets `retries` but no `backoff`. */
const DEFAULT_BACKOFF = { type: 'exponential', delayMs: 100 } as const;

/** A node as the executor runs it, with everything precomputed that each attempt needs. */
export interface PlanNode {
  readonly path: string;
  readonly vertex: TaskVertex;
  readonly options: NodeOptions;
  /** Ids of the parents, in edge order. */
  readonly parents: readonly string[];
  /** Data-hash fields holding this node's input: `in` for a root, else each parent's output. */
  readonly inputFields: readonly string[];
  /** `completeNode` arguments: pairs of successor path and its number of parents. */
  readonly successorArgs: readonly (string | number)[];
  /** The flow's number of terminal nodes when this node is one of them, else 0. */
  readonly terminalCount: number;
  /** BullMQ options of this node's jobs, but the job id. */
  readonly jobOptions: JobsOptions;
}

/** A registered flow: its validated DAG, description, version and per-node execution plan. */
export class FlowPlan {
  readonly graph: DagGraph;
  readonly description: DagDescription;
  readonly version: string;
  readonly #nodes = new Map<string, PlanNode>();

  /** @throws DagValidationError when the DAG is invalid. */
  constructor(
    readonly name: string,
    dag: Dag,
  ) {
    this.graph = validateDag(dag);
    this.description = describeDag(this.graph);
    this.version = createHash('sha256').update(JSON.stringify(this.description)).digest('hex').slice(0, 12);
    const terminals = this.graph.terminals.length;
    for (const id of this.graph.order) {
      const node = this.graph.nodes.get(id);
      if (node === undefined) continue;
      const { options } = node.vertex;
      const backoff = options.backoff ?? DEFAULT_BACKOFF;
      this.#nodes.set(id, {
        path: id,
        vertex: node.vertex,
        options,
        parents: node.parents,
        inputFields: node.parents.length === 0 ? ['in'] : node.parents.map((p) => `o|${p}`),
        successorArgs: node.children.flatMap((c) => [c, this.graph.nodes.get(c)?.parents.length ?? 1]),
        terminalCount: node.children.length === 0 ? terminals : 0,
        jobOptions: {
          attempts: (options.retries ?? 0) + 1,
          backoff: { type: backoff.type, delay: backoff.delayMs },
          removeOnComplete: true,
          removeOnFail: true,
        },
      });
    }
  }

  /** The node at `path`, or undefined when this flow has none. */
  node(path: string): PlanNode | undefined {
    return this.#nodes.get(path);
  }

  /** Every node path, parents before children. */
  get paths(): readonly string[] {
    return this.graph.order;
  }

  /** Root node paths: they receive the request's input. */
  get roots(): readonly string[] {
    return this.graph.roots;
  }

  /** The flow's result from its terminal nodes' encoded outputs (in `terminals` order). */
  resultFrom(encodedOutputs: readonly (string | null)[]): unknown {
    const { terminals } = this.graph;
    if (terminals.length === 1) return decode(encodedOutputs[0] ?? 'null');
    return Object.fromEntries(terminals.map((id, i) => [id, decode(encodedOutputs[i] ?? 'null')]));
  }
}

/** A node's input from the encoded values of its input fields: one parent passes through, several join. */
export async function inputOf(node: PlanNode, encoded: readonly (string | null)[]): Promise<unknown> {
  if (node.parents.length <= 1) return decode(encoded[0] ?? 'null');
  const outputs = Object.fromEntries(node.parents.map((p, i) => [p, decode(encoded[i] ?? 'null')]));
  return node.options.aggregator === undefined ? outputs : await node.options.aggregator(outputs);
}
