import type { Redis } from 'ioredis';
import type { FlowPlan, PlanNode } from './flow-plan.js';
import type { Keys } from './keys.js';
import { runScript } from './scripts.js';
import type { NodeError, NodeState, NodeStatus, RequestState, RequestStatus } from './types.js';

/** How long finished requests' data stays in Redis. */
export interface Retention {
  /** Milliseconds a completed request is kept. */
  readonly completedMs: number;
  /** Milliseconds a failed request is kept. */
  readonly failedMs: number;
}

/** What `beginNode` decided. */
export type BeginResult =
  | { readonly kind: 'run'; readonly attempt: number; readonly context: string | null; readonly inputs: (string | null)[] }
  | { readonly kind: 'completed' }
  | { readonly kind: 'not-running'; readonly status: string }
  | { readonly kind: 'missing' };

/** What `completeNode` decided: the successors to enqueue now. */
export type CompleteResult =
  | { readonly kind: 'released'; readonly ready: readonly string[] }
  | { readonly kind: 'not-running' }
  | { readonly kind: 'missing' };

/** Reads and writes request state in Redis; every multi-key update is one Lua script. */
export class StateStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retention: Retention,
  ) {}

  /** Creates the request; false when a request with that id already exists. */
  async createRequest(flow: string, requestId: string, input: string, context: string): Promise<boolean> {
    const { state, data } = this.keys.request(flow, requestId);
    const reply = (await runScript(this.redis, 'createRequest', [state, data], [Date.now(), input, context])) as [number];
    return reply[0] === 1;
  }

  /** Starts an attempt of `node`, reading its input, unless the guard says otherwise. */
  async beginNode(flow: string, requestId: string, node: PlanNode): Promise<BeginResult> {
    const { state, data } = this.keys.request(flow, requestId);
    const reply = (await runScript(this.redis, 'beginNode', [state, data], [node.path, Date.now(), ...node.inputFields])) as [
      number,
      ...(string | number | null)[],
    ];
    switch (reply[0]) {
      case 0:
        return {
          kind: 'run',
          attempt: Number(reply[1]),
          context: reply[2] as string | null,
          inputs: reply.slice(3) as (string | null)[],
        };
      case 1:
        return { kind: 'completed' };
      case 2:
        return { kind: 'not-running', status: String(reply[1]) };
      default:
        return { kind: 'missing' };
    }
  }

  /** Stores the output and releases ready successors; see `lua/completeNode.lua`. */
  async completeNode(flow: string, requestId: string, node: PlanNode, output: string): Promise<CompleteResult> {
    const keys = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'completeNode',
      [keys.state, keys.data, keys.store],
      [
        node.path,
        Date.now(),
        output,
        node.terminalCount,
        this.retention.completedMs,
        this.keys.events,
        `${flow}/${requestId}`,
        ...node.successorArgs,
      ],
    )) as [number, string[]?, string[]?];
    switch (reply[0]) {
      case 0:
        return { kind: 'released', ready: reply[1] ?? [] };
      case 1: {
        const started = new Set(reply[2] ?? []);
        return { kind: 'released', ready: (reply[1] ?? []).filter((path) => !started.has(path)) };
      }
      case 2:
        return { kind: 'not-running' };
      default:
        return { kind: 'missing' };
    }
  }

  /** Records a failed attempt; a final one fails the request. */
  async failNode(flow: string, requestId: string, error: NodeError, final: boolean): Promise<void> {
    const keys = this.keys.request(flow, requestId);
    await runScript(
      this.redis,
      'failNode',
      [keys.state, keys.data, keys.store],
      [
        error.node,
        Date.now(),
        JSON.stringify(error),
        final ? '1' : '0',
        this.retention.failedMs,
        this.keys.events,
        `${flow}/${requestId}`,
      ],
    );
  }

  /** The request's state, or undefined when it does not exist. */
  async readState(plan: FlowPlan, requestId: string): Promise<RequestState | undefined> {
    const fields = await this.redis.hgetall(this.keys.request(plan.name, requestId).state);
    if (fields['status'] === undefined) return undefined;
    const nodes: Record<string, NodeState> = {};
    for (const path of plan.paths) {
      nodes[path] = nodeState(fields, path);
    }
    return {
      requestId,
      flow: plan.name,
      status: fields['status'] as RequestStatus,
      createdAt: Number(fields['createdAt']),
      ...optionalNumber('startedAt', fields['startedAt']),
      ...optionalNumber('finishedAt', fields['finishedAt']),
      ...(fields['error'] === undefined ? {} : { error: JSON.parse(fields['error']) as NodeError }),
      nodes,
    };
  }

  /** The encoded outputs of the flow's terminal nodes, in `graph.terminals` order. */
  async readTerminalOutputs(plan: FlowPlan, requestId: string): Promise<(string | null)[]> {
    const fields = plan.graph.terminals.map((id) => `o|${id}`);
    return this.redis.hmget(this.keys.request(plan.name, requestId).data, ...fields);
  }

  /** The status alone, or undefined when the request does not exist. */
  async readStatus(flow: string, requestId: string): Promise<RequestStatus | undefined> {
    const status = await this.redis.hget(this.keys.request(flow, requestId).state, 'status');
    return (status ?? undefined) as RequestStatus | undefined;
  }
}

function nodeState(fields: Record<string, string>, path: string): NodeState {
  const error = fields[`e|${path}`];
  return {
    status: (fields[`s|${path}`] ?? 'pending') as NodeStatus,
    attempts: Number(fields[`a|${path}`] ?? 0),
    ...optionalNumber('startedAt', fields[`t0|${path}`]),
    ...optionalNumber('finishedAt', fields[`t1|${path}`]),
    ...(error === undefined ? {} : { error: JSON.parse(error) as NodeError }),
  };
}

function optionalNumber<K extends string>(key: K, value: string | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: Number(value) } as Record<K, number>);
}
