import type { DagGraph, GraphNode } from '@dagflow/flow';
import type { JobsOptions } from 'bullmq';
import { ITEM, ITEM_INPUT, START, join, lookupKey } from './paths.js';
import type { DataParent, InnerDag, ItemGate, Release, Step } from './steps.js';
import { stepField, StepField, DataField } from '../format/layout.js';

/** Default delay between attempts when a node sets `retries` but no `backoff`. */
const DEFAULT_BACKOFF = { type: 'exponential', delayMs: 100 } as const;

/** Limits a plan's steps enforce at run time. */
export interface PlanLimits {
  /** Most items one for-each may fan out to; more fail the node with `TOO_MANY_ITEMS`. */
  readonly maxForEachItems: number;
}

/** Jobs of composite start and end steps: one attempt (stalled jobs still recover). */
const CONTROL_JOB: JobsOptions = { attempts: 1, removeOnComplete: true, removeOnFail: true };

/** Where a scope's vertices get their input and what its terminal vertices release. */
interface Scope {
  /** Path template prefix of the scope's vertices. */
  readonly prefix: string;
  /** Template of the field holding the scope's input. */
  readonly input: string;
  /** What a terminal vertex of the scope releases; none at the top. */
  readonly exit: Release | undefined;
  /** Terminal count of the flow, for the top scope; 0 inside composites. */
  readonly terminalCount: number;
  /** The item gate of a concurrency-limited for-each body. */
  readonly gate?: ItemGate;
}

/** Compiles a validated DAG into its steps, keyed by lookup template (`each/x`, `verify/@start`). */
export function compileSteps(graph: DagGraph, limits: PlanLimits): Map<string, Step> {
  const steps = new Map<string, Step>();
  compileScope(
    graph,
    { prefix: '', input: DataField.input, exit: undefined, terminalCount: graph.terminals.length },
    steps,
    limits,
  );
  return steps;
}

function compileScope(
  graph: DagGraph,
  scope: Scope,
  steps: Map<string, Step>,
  limits: PlanLimits,
): void {
  const entry = (id: string): string => {
    const node = graph.nodes.get(id);
    const path = join(scope.prefix, id);
    return node?.vertex.kind === 'task' ? path : `${path}${START}`;
  };
  for (const id of graph.order) {
    const node = graph.nodes.get(id);
    if (node === undefined) continue;
    const path = join(scope.prefix, id);
    const parents: DataParent[] = node.inEdges
      .filter((edge) => edge.executionOnly !== true && edge.stream !== true)
      .map((edge) => ({
        id: edge.from,
        field: stepField(StepField.output, join(scope.prefix, edge.from)),
        ...(edge.forward ? { forward: edge.forward } : {}),
      }));
    // A stream edge's consumer is released when the producer starts, not by its completion.
    const streamed = (child: string): boolean =>
      graph.nodes.get(child)?.inEdges.some((edge) => edge.stream === true) === true;
    const releases: Release[] = node.children
      .filter((child) => !streamed(child))
      .map((child) => {
        const edges = graph.nodes.get(child)?.inEdges ?? [];
        const inline = edges.length === 1 && edges[0]?.executionOnly !== true;
        return { step: entry(child), parents: edges.length, ...(inline ? { inline } : {}) };
      });
    const streams = node.children.filter(streamed).map((child) => join(scope.prefix, child));
    const streamFrom = node.inEdges.find((edge) => edge.stream === true)?.from;
    const terminal = node.children.length === 0;
    if (terminal && scope.exit !== undefined) releases.push(scope.exit);
    const gate = terminal ? scope.gate : undefined;
    const completion = {
      releases,
      terminalCount: terminal ? scope.terminalCount : 0,
      ...(gate === undefined ? {} : { gate }),
    };
    const input = { parents, scopeInput: scope.input };
    const { vertex } = node;
    if (vertex.kind === 'task') {
      const { options } = vertex;
      const backoff = options.backoff ?? DEFAULT_BACKOFF;
      const retries = options.retries ?? 0;
      const jobOptions: JobsOptions = {
        attempts: retries + 1,
        ...(retries > 0 ? { backoff: { type: backoff.type, delay: backoff.delayMs } } : {}),
        ...(options.delayMs ? { delay: options.delayMs } : {}),
        removeOnComplete: true,
        removeOnFail: true,
      };
      add(steps, {
        kind: 'task',
        template: path,
        queue: options.queue ?? '',
        vertex,
        options,
        jobOptions,
        ...input,
        ...completion,
        ...(streams.length === 0 ? {} : { streams }),
        ...(streamFrom === undefined ? {} : { streamFrom: join(scope.prefix, streamFrom) }),
      });
      continue;
    }
    const inner = compileInner(node, path, steps, limits);
    add(steps, {
      kind: 'start',
      template: `${path}${START}`,
      vertex,
      inner,
      end: path,
      jobOptions: CONTROL_JOB,
      maxItems: limits.maxForEachItems,
      ...input,
    });
    add(steps, {
      kind: 'end',
      template: path,
      vertex,
      inner,
      startOutput: stepField(StepField.output, `${path}${START}`),
      jobOptions: CONTROL_JOB,
      ...completion,
    });
  }
}

/** Compiles the inner DAGs of a composite vertex at `path` and describes their roots and terminals. */
function compileInner(
  node: GraphNode,
  path: string,
  steps: Map<string, Step>,
  limits: PlanLimits,
): Map<string, InnerDag> {
  const inner = new Map<string, InnerDag>();
  for (const [key, graph] of node.inner) {
    const entries = graph.roots.map((id) =>
      graph.nodes.get(id)?.vertex.kind === 'task' ? `/${id}` : `/${id}${START}`,
    );
    const limited =
      node.vertex.kind === 'foreach' && node.vertex.options.maxConcurrency !== undefined;
    const gate: ItemGate | undefined = limited
      ? {
          vertex: path,
          item: `${path}${ITEM}`,
          terminals: graph.terminals.length,
          rootSuffixes: entries,
        }
      : undefined;
    const scope: Scope =
      node.vertex.kind === 'foreach'
        ? {
            prefix: `${path}${ITEM}`,
            input: stepField(StepField.output, `${path}${ITEM}${ITEM_INPUT}`),
            exit: { step: path, parents: 0 },
            terminalCount: 0,
            ...(gate === undefined ? {} : { gate }),
          }
        : node.vertex.kind === 'branch'
          ? {
              prefix: join(path, key),
              input: stepField(StepField.output, `${path}${START}`),
              exit: { step: path, parents: 0 },
              terminalCount: 0,
            }
          : {
              prefix: path,
              input: stepField(StepField.output, `${path}${START}`),
              exit: { step: path, parents: graph.terminals.length },
              terminalCount: 0,
            };
    compileScope(graph, scope, steps, limits);
    inner.set(key, {
      roots: entries.map((entry) => `${scope.prefix}${entry}`),
      terminals: graph.terminals.map((id) => ({
        id,
        field: stepField(StepField.output, join(scope.prefix, id)),
      })),
    });
  }
  return inner;
}

function add(steps: Map<string, Step>, step: Step): void {
  steps.set(lookupKey(step.template), step);
}
