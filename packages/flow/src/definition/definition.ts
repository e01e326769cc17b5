import { Dag } from '../dag.js';
import { fail, flag, list, optional, record, text } from './definition-fields.js';
import { addWaitNode } from './definition-waits.js';
import { DagValidationError, ErrorCode } from '../errors.js';
import type { BackoffOptions, Handler } from '../types.js';

/** A flow defined as data (JSON or YAML): nodes naming operations, edges, branches, for-each. */
export interface FlowDefinition {
  readonly name: string;
  readonly nodes: readonly NodeDefinition[];
  readonly edges?: readonly EdgeDefinition[];
}

/** The nodes and edges of an inner DAG (sub-DAG, branch, for-each body). */
export interface DagDefinition {
  readonly nodes: readonly NodeDefinition[];
  readonly edges?: readonly EdgeDefinition[];
}

/**
 * An edge: `[from, to]` or `{ from, to, executionOnly?, stream? }`. `stream: true` is a stream edge
 * (`dag.edge(from, to, { stream: true })`): `to`'s operation gets a `StreamInput` of the chunks
 * `from`'s operation emits, while it runs.
 */
export type EdgeDefinition =
  | readonly [string, string]
  | {
      readonly from: string;
      readonly to: string;
      readonly executionOnly?: boolean;
      readonly stream?: boolean;
    };

/**
 * One node: exactly one of `op`, `signal`, `waitFor`, `sleepMs`, `flow`, `subDag`, `branch` or
 * `forEach`.
 */
export interface NodeDefinition {
  readonly id: string;
  /** Name of a registered operation (built in: `http`, `publish`, `flow`). */
  readonly op?: string;
  /** Parameters handed to the operation. */
  readonly with?: Readonly<Record<string, unknown>>;
  readonly retries?: number;
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly queue?: string;
  /** Milliseconds the node waits once ready before it starts (no worker slot held). */
  readonly delayMs?: number;
  /** A signal node (`dag.signal`): completes with the payload delivered to it. */
  readonly signal?: { readonly timeoutMs?: number };
  /**
   * An event wait (`dag.waitFor`): completes with the data of the first matching `service.emit(event,
   * data)`. `match` maps dotted paths of the event `{ event, data }` to `$.path`s of the node's input.
   */
  readonly waitFor?: {
    readonly event: string;
    readonly match?: Readonly<Record<string, string>>;
    readonly timeoutMs?: number;
    readonly lookbackMs?: number;
  };
  /** A sleep (`dag.sleep`): passes its input through after this many milliseconds. */
  readonly sleepMs?: number;
  /** A child-flow node (`dag.flow`): runs the registered flow of that name as a child request. */
  readonly flow?: string;
  readonly subDag?: DagDefinition;
  /** Runs the branches named by the input field `select` (a key or a list of keys). */
  readonly branch?: {
    readonly select: string;
    readonly branches: Readonly<Record<string, DagDefinition>>;
  };
  /** Runs `body` per item of the input field `items` (`''`: the input itself): an object's entries or an array's elements. */
  readonly forEach?: {
    readonly items: string;
    readonly body: DagDefinition;
    readonly maxConcurrency?: number;
  };
}

/** An operation: a handler that also receives the node's `with` parameters. */
export type Operation = (
  input: unknown,
  params: Readonly<Record<string, unknown>>,
  ctx: Parameters<Handler>[1],
) => unknown;

/**
 * Builds a DAG from a definition, resolving operations by name. Structure errors say where they are
 * (`nodes[2].branch.select`); the DAG is then validated like any other.
 * @throws DagValidationError `DEFINITION_INVALID`, `UNKNOWN_OPERATION`, and every DAG validation code
 */
export function dagFromDefinition(
  definition: unknown,
  operations: ReadonlyMap<string, Operation>,
): Dag {
  const root = record(definition, '');
  text(root['name'], 'name');
  return fill(new Dag(), root, '', operations);
}

function fill(
  dag: Dag,
  source: Record<string, unknown>,
  at: string,
  operations: ReadonlyMap<string, Operation>,
): Dag {
  const nodes = list(source['nodes'], `${at}nodes`);
  nodes.forEach((node, i) =>
    addNode(dag, record(node, `${at}nodes[${i}]`), `${at}nodes[${i}]`, operations),
  );
  const edges = source['edges'] === undefined ? [] : list(source['edges'], `${at}edges`);
  edges.forEach((edge, i) => {
    const where = `${at}edges[${i}]`;
    if (Array.isArray(edge)) {
      if (edge.length !== 2) fail(where, 'must be [from, to]');
      dag.edge(text(edge[0], `${where}[0]`), text(edge[1], `${where}[1]`));
      return;
    }
    const e = record(edge, where);
    dag.edge(text(e['from'], `${where}.from`), text(e['to'], `${where}.to`), {
      ...(flag(e, 'executionOnly', where) ? { executionOnly: true } : {}),
      ...(flag(e, 'stream', where) ? { stream: true } : {}),
    });
  });
  return dag;
}

function addNode(
  dag: Dag,
  node: Record<string, unknown>,
  at: string,
  operations: ReadonlyMap<string, Operation>,
): void {
  const id = text(node['id'], `${at}.id`);
  const kinds = KINDS.filter((key) => node[key] !== undefined);
  if (kinds.length !== 1)
    fail(at, `needs exactly one of ${KINDS.join(', ')} (has ${kinds.join(', ') || 'none'})`);
  if (addWaitNode(dag, node, id, at)) return;
  if (node['op'] !== undefined) {
    const name = text(node['op'], `${at}.op`);
    const params = node['with'] === undefined ? {} : record(node['with'], `${at}.with`);
    // The built-in `flow` operation is a child-flow node: it waits for the child holding no worker.
    if (name === 'flow') {
      dag.flow(id, text(params['flow'], `${at}.with.flow`));
      return;
    }
    const operation = operations.get(name);
    if (operation === undefined) {
      throw new DagValidationError(
        ErrorCode.UNKNOWN_OPERATION,
        `Node '${id}' (${at}.op) names operation '${name}', which is not registered; known: ${['flow', ...operations.keys()].join(', ')}.`,
        [id],
      );
    }
    dag.node(id, (input: unknown, ctx) => operation(input, params, ctx), {
      ...optional(node, 'retries'),
      ...optional(node, 'timeoutMs'),
      ...optional(node, 'backoff'),
      ...optional(node, 'queue'),
      ...optional(node, 'delayMs'),
    });
    return;
  }
  if (node['subDag'] !== undefined) {
    dag.subDag(
      id,
      fill(new Dag(), record(node['subDag'], `${at}.subDag`), `${at}.subDag.`, operations),
    );
    return;
  }
  if (node['branch'] !== undefined) {
    const branch = record(node['branch'], `${at}.branch`);
    const select = text(branch['select'], `${at}.branch.select`);
    const sources = record(branch['branches'], `${at}.branch.branches`);
    const dags = dag.conditionalBranch(id, Object.keys(sources), (input: unknown) => {
      const chosen = field(input, select);
      if (chosen === undefined || chosen === null) return [];
      return (Array.isArray(chosen) ? chosen : [chosen]).map(asKey);
    });
    for (const [key, inner] of Object.entries(sources)) {
      const target = dags[key];
      if (target !== undefined)
        fill(
          target,
          record(inner, `${at}.branch.branches.${key}`),
          `${at}.branch.branches.${key}.`,
          operations,
        );
    }
    return;
  }
  const each = record(node['forEach'], `${at}.forEach`);
  const items = each['items'] === undefined ? '' : text(each['items'], `${at}.forEach.items`, true);
  const body = dag.forEachBranch(
    id,
    (input: unknown) => {
      const value = field(input, items);
      if (Array.isArray(value))
        return Object.fromEntries(value.map((item, i) => [String(i), item as unknown]));
      return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    },
    optional(each, 'maxConcurrency'),
  );
  fill(body, record(each['body'], `${at}.forEach.body`), `${at}.forEach.body.`, operations);
}

/** The kinds of node a definition has, one per node. */
const KINDS = ['op', 'signal', 'waitFor', 'sleepMs', 'flow', 'subDag', 'branch', 'forEach'];

/** A selected value as a branch key; anything but a string or number can match no declared key. */
function asKey(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number'
    ? String(value)
    : JSON.stringify(value);
}

/** The value at a dotted path of the input (`''`: the input itself). */
function field(input: unknown, path: string): unknown {
  if (path === '') return input;
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined,
      input,
    );
}
