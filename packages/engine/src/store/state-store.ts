import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { ReplyCode } from './reply-codes.js';
import { runScript } from './scripts.js';
import { type CompletionArgs, CompletionBatcher } from './completion-batcher.js';
import { START, vertexPath } from '../plan/paths.js';
import type { NodeError, NodeState, NodeStatus, RequestState, RequestStatus } from '../types.js';
import { pathOfField, RequestField, stepField, StepField } from './layout.js';

/** How long finished requests' data stays in Redis. */
export interface Retention {
  /** Milliseconds a completed request is kept. */
  readonly completedMs: number;
  /** Milliseconds a failed or stopped request is kept. */
  readonly failedMs: number;
  /** Milliseconds a paused request is kept unless resumed (or stopped) before. */
  readonly pausedMs: number;
}

/** What `beginNode` decided. */
export type BeginResult =
  | {
      readonly kind: 'run';
      readonly attempt: number;
      readonly context: string | null;
      readonly inputs: (string | null)[];
      /** The attempt's owner token (see `ownerToken` in `store/layout.ts`). */
      readonly owner: string;
      /** For a step begun without Redis: stops its delayed running mark. */
      readonly settle?: () => void;
      /** For a step begun without Redis (attempt 1): its start time, written with its completion. */
      readonly startedAt?: number;
    }
  | { readonly kind: 'completed' }
  | { readonly kind: 'not-running'; readonly status: string }
  | { readonly kind: 'stale'; readonly owner: string }
  | { readonly kind: 'missing' };

/** What a completing step writes and releases; see `lua/completeNode.lua`. */
export interface CompletionSpec {
  /** Pairs of successor path and the completions it waits for (`'e'`: enqueued by the caller, see the script). */
  readonly successors: readonly (string | number)[];
  /** Inputs of released steps the caller hands over in their job data (for-each items), by path. */
  readonly handOver?: ReadonlyMap<string, string>;
  /** Successors the caller enqueues right behind the script (their pairs say `'e'`), with or without their input. */
  readonly enqueueNow?: { readonly inline: readonly string[]; readonly plain: readonly string[] };
  /** The flow's terminal count when the step completes a top-level terminal, else 0. */
  readonly terminalCount: number;
  /** Pairs of extra state-hash fields of this step, set on first completion only (never shared). */
  readonly stateFields?: readonly string[];
  /** Pairs of extra data-hash fields, set on first completion only (sent as one JSON argument). */
  readonly dataFields?: readonly string[];
  /**
   * Steps released that the caller enqueues right behind the script (a start step's entries), sent as
   * one JSON argument: marked queued, and returned again by a repeated completion.
   */
  readonly enqueued?: readonly string[];
  /** For a terminal of a concurrency-limited for-each body: vertex path, item prefix, terminals per item, root suffixes. */
  readonly gate?: readonly (string | number)[];
}

/** The step a completion is for. */
export interface CompletedStep {
  readonly path: string;
  /** The completing attempt's owner token, or '' for a repeat by a job that found the step completed. */
  readonly owner: string;
  /** Its encoded output. */
  readonly output: string;
  /** For a step begun without `beginNode` (attempt 1): its start, written with the completion. */
  readonly startedAt?: number | undefined;
}

/** A lifecycle command. */
export type ControlCommand = 'pause' | 'resume' | 'stop' | 'rerun';

/** What a lifecycle command did. */
export type ControlResult =
  | {
      readonly kind: 'done';
      readonly steps: readonly string[];
      readonly generation: number;
      /** Resume and rerun: the job-id generation of each step, in `steps` order. */
      readonly generations?: readonly number[];
      /** A rerun found every terminal completed (while stopped or failed) and completed the request. */
      readonly completed: boolean;
    }
  | { readonly kind: 'invalid'; readonly status: RequestStatus }
  | { readonly kind: 'missing' };

/** What `completeNode` decided: the successors to enqueue now. */
export type CompleteResult =
  | {
      readonly kind: 'released';
      readonly ready: readonly string[];
      readonly completedRequest: boolean;
      /** For a repeated completion: the job-id generation the successors were released with. */
      readonly generation?: number;
    }
  | { readonly kind: 'not-running' }
  | { readonly kind: 'stale'; readonly owner: string }
  | { readonly kind: 'missing' };

/** What `failNode` decided. */
export type FailResult =
  | { readonly kind: 'recorded'; readonly requestFailed: boolean }
  | { readonly kind: 'stale'; readonly owner: string };

/** Reads and writes request state in Redis; every multi-key update is one Lua script. */
export class StateStore {
  readonly #batcher: CompletionBatcher;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retention: Retention,
  ) {
    this.#batcher = new CompletionBatcher(redis);
  }

  /** Creates the request; false when a request with that id already exists. */
  async createRequest(
    flow: string,
    requestId: string,
    request: { readonly input: string; readonly context: string; readonly version: string },
  ): Promise<boolean> {
    const { state, data } = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'createRequest',
      [state, data],
      [Date.now(), request.input, request.context, request.version],
    )) as [number];
    return reply[0] === ReplyCode.CREATED;
  }

  /** Starts an attempt of the step at `path`, reading the data `fields` of its input, unless the guard says otherwise. */
  async beginNode(
    flow: string,
    requestId: string,
    step: { readonly path: string; readonly owner: string },
    fields: readonly string[],
  ): Promise<BeginResult> {
    const { state, data, held } = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'beginNode',
      [state, data, held],
      [step.path, Date.now(), step.owner, ...fields],
    )) as [number, ...(string | number | null)[]];
    switch (reply[0]) {
      case ReplyCode.OK:
        return {
          kind: 'run',
          owner: step.owner,
          attempt: Number(reply[1]),
          context: reply[2] as string | null,
          inputs: reply.slice(3) as (string | null)[],
        };
      case ReplyCode.COMPLETED:
        return { kind: 'completed' };
      case ReplyCode.NOT_RUNNING:
        return { kind: 'not-running', status: String(reply[1]) };
      case ReplyCode.STALE:
        return { kind: 'stale', owner: String(reply[1]) };
      default:
        return { kind: 'missing' };
    }
  }

  /**
   * Records that a step whose input was handed over is running (attempt 1), and its request if it was
   * pending; see `lua/markRunning.lua`.
   */
  async markRunning(
    flow: string,
    requestId: string,
    step: { readonly path: string; readonly owner: string },
    startedAt: number,
  ): Promise<void> {
    const { state } = this.keys.request(flow, requestId);
    await runScript(this.redis, 'markRunning', [state], [step.path, startedAt, step.owner]);
  }

  /**
   * Holds steps taken off the queue before they started, for resume or rerun to enqueue again; answers
   * those to enqueue at once instead, when the request is running again by now (see `lua/holdSteps.lua`).
   */
  async hold(flow: string, requestId: string, steps: readonly string[]): Promise<string[]> {
    if (steps.length === 0) return [];
    const { state, held } = this.keys.request(flow, requestId);
    return (await runScript(this.redis, 'holdSteps', [state, held], steps)) as string[];
  }

  /** Stores the step's output and releases ready successors; see `lua/completeStep.lua`. */
  async completeNode(
    flow: string,
    requestId: string,
    step: CompletedStep,
    spec: CompletionSpec,
  ): Promise<CompleteResult> {
    const { keys, args } = this.#completion(flow, requestId, step, spec);
    return completeResult(
      (await runScript(this.redis, 'completeNode', keys, [
        Date.now(),
        ...args.shared,
        ...args.own,
      ])) as CompleteReply,
    );
  }

  /**
   * {@link completeNode}, together with the other completions of the same request issued in this tick:
   * one script call for all of them.
   */
  async completeNodeInBatch(
    flow: string,
    requestId: string,
    step: CompletedStep,
    spec: CompletionSpec,
  ): Promise<CompleteResult> {
    const { keys, args } = this.#completion(flow, requestId, step, spec);
    return completeResult((await this.#batcher.complete(keys, args)) as CompleteReply);
  }

  /** The script arguments of a completion: the spec part steps may share, and the step's own part. */
  #completion(
    flow: string,
    requestId: string,
    { path, output, startedAt, owner }: CompletedStep,
    spec: CompletionSpec,
  ): { keys: string[]; args: CompletionArgs } {
    const keys = this.keys.request(flow, requestId);
    const stateFields = spec.stateFields ?? [];
    const dataFields = spec.dataFields ?? [];
    const gate = spec.gate ?? [];
    return {
      keys: [keys.state, keys.data, keys.store, keys.held],
      args: {
        shared: [
          spec.terminalCount,
          this.retention.completedMs,
          this.keys.events,
          `${flow}/${requestId}`,
          spec.successors.length / 2,
          ...spec.successors,
          dataFields.length === 0 ? '' : JSON.stringify(dataFields),
          spec.enqueued === undefined || spec.enqueued.length === 0
            ? ''
            : JSON.stringify(spec.enqueued),
          gate.length,
          ...gate,
        ],
        own: [path, output, startedAt ?? '', owner, stateFields.length / 2, ...stateFields],
      },
    };
  }

  /**
   * Records a failed attempt of the step at `path` by the attempt that owns it (`owner`); a final one
   * fails the request. A stale attempt's failure changes nothing.
   */
  async failNode(
    flow: string,
    requestId: string,
    step: { readonly path: string; readonly owner: string },
    failure: {
      readonly error: NodeError;
      readonly final: boolean;
      readonly extraFields?: readonly string[];
    },
  ): Promise<FailResult> {
    const { path, owner } = step;
    const { error, final, extraFields = [] } = failure;
    const keys = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'failNode',
      [keys.state, keys.data, keys.store, keys.held],
      [
        path,
        Date.now(),
        JSON.stringify(error),
        final ? '1' : '0',
        this.retention.failedMs,
        this.keys.events,
        `${flow}/${requestId}`,
        owner,
        ...extraFields,
      ],
    )) as [number, string?];
    if (reply[0] === ReplyCode.STALE) return { kind: 'stale', owner: reply[1] ?? '' };
    return { kind: 'recorded', requestFailed: final && reply[0] === ReplyCode.OK };
  }

  /**
   * Runs a lifecycle command atomically; see `lua/controlRequest.lua`.
   * @returns the steps to enqueue (resume, rerun) or to remove and abort (stop), and the job generation
   */
  async control(flow: string, requestId: string, command: ControlCommand): Promise<ControlResult> {
    const keys = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'controlRequest',
      [keys.state, keys.data, keys.store, keys.held],
      [
        command,
        Date.now(),
        this.retention.failedMs,
        this.keys.events,
        `${flow}/${requestId}`,
        this.retention.pausedMs,
      ],
    )) as [number, unknown, number?, number?, number[]?];
    if (reply[0] === ReplyCode.OK) {
      const steps = reply[1] as string[];
      return {
        kind: 'done',
        steps,
        generation: reply[2] ?? 0,
        ...(reply[4] === undefined ? {} : { generations: reply[4] }),
        completed: reply[3] === 1,
      };
    }
    if (reply[0] === ReplyCode.INVALID_TRANSITION)
      return { kind: 'invalid', status: reply[1] as RequestStatus };
    return { kind: 'missing' };
  }

  /** Paths of the steps that failed for good. */
  async failedSteps(flow: string, requestId: string): Promise<string[]> {
    const fields = await this.redis.hgetall(this.keys.request(flow, requestId).state);
    return Object.entries(fields).flatMap(([field, value]) => {
      const path = pathOfField(StepField.status, field);
      return path !== undefined && value === 'failed' ? [path] : [];
    });
  }

  /** Gives `steps` a new input (encoded), read instead of their parents' outputs from now on. */
  async overrideInputs(
    flow: string,
    requestId: string,
    steps: readonly string[],
    input: string,
  ): Promise<void> {
    if (steps.length === 0) return;
    await this.redis.hset(
      this.keys.request(flow, requestId).data,
      ...steps.flatMap((step) => [stepField(StepField.input, step), input]),
    );
  }

  /** Confirms that a resume or rerun enqueued `steps` under `generation` (see `lua/clearResuming.lua`). */
  async clearResuming(
    flow: string,
    requestId: string,
    generation: number,
    steps: readonly string[],
  ): Promise<void> {
    if (steps.length === 0) return;
    const { state } = this.keys.request(flow, requestId);
    await runScript(this.redis, 'clearResuming', [state], [generation, ...steps]);
  }

  /** The request's state, or undefined when it does not exist. */
  async readState(plan: FlowPlan, requestId: string): Promise<RequestState | undefined> {
    const fields = withQueuedEntries(
      await this.redis.hgetall(this.keys.request(plan.name, requestId).state),
    );
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
    return {
      requestId,
      flow: plan.name,
      status: fields[RequestField.status] as RequestStatus,
      createdAt: Number(fields[RequestField.createdAt]),
      ...optionalNumber('startedAt', fields[RequestField.startedAt]),
      ...optionalNumber('finishedAt', fields[RequestField.finishedAt]),
      ...(error === undefined ? {} : { error: JSON.parse(error) as NodeError }),
      nodes,
    };
  }

  /** The encoded outputs of the flow's terminal nodes, in `graph.terminals` order. */
  async readTerminalOutputs(plan: FlowPlan, requestId: string): Promise<(string | null)[]> {
    const fields = plan.graph.terminals.map((id) => stepField(StepField.output, id));
    return this.redis.hmget(this.keys.request(plan.name, requestId).data, ...fields);
  }

  /** Branch or item keys a start step picked (stored under the composite vertex's path). */
  async readPicked(
    flow: string,
    requestId: string,
    vertexPath: string,
  ): Promise<string[] | undefined> {
    const picked = await this.redis.hget(
      this.keys.request(flow, requestId).state,
      stepField(StepField.picked, vertexPath),
    );
    return picked === null ? undefined : (JSON.parse(picked) as string[]);
  }

  /** One step's encoded output, or null. */
  readOutput(flow: string, requestId: string, path: string): Promise<string | null> {
    return this.redis.hget(
      this.keys.request(flow, requestId).data,
      stepField(StepField.output, path),
    );
  }

  /** Encoded fields of the request's data hash (outputs `o|<path>`, inputs, rerun inputs `i|<path>`). */
  readData(flow: string, requestId: string, fields: readonly string[]): Promise<(string | null)[]> {
    return this.redis.hmget(this.keys.request(flow, requestId).data, ...fields);
  }

  /** The status and definition version, or undefined when the request does not exist. */
  async readStatusAndVersion(
    flow: string,
    requestId: string,
  ): Promise<{ status: RequestStatus; version: string | undefined } | undefined> {
    const [status, version] = await this.redis.hmget(
      this.keys.request(flow, requestId).state,
      RequestField.status,
      RequestField.version,
    );
    return status === null || status === undefined
      ? undefined
      : { status: status as RequestStatus, version: version ?? undefined };
  }

  /** The status alone, or undefined when the request does not exist. */
  async readStatus(flow: string, requestId: string): Promise<RequestStatus | undefined> {
    const status = await this.redis.hget(
      this.keys.request(flow, requestId).state,
      RequestField.status,
    );
    return (status ?? undefined) as RequestStatus | undefined;
  }
}

type CompleteReply = [number, (string[] | string)?, (string[] | number)?, number?];

function completeResult(reply: CompleteReply): CompleteResult {
  switch (reply[0]) {
    case ReplyCode.OK:
      return {
        kind: 'released',
        ready: (reply[1] as string[] | undefined) ?? [],
        completedRequest: reply[2] === 1,
      };
    case ReplyCode.COMPLETED: {
      const started = new Set(reply[2] as string[]);
      return {
        kind: 'released',
        ready: ((reply[1] as string[] | undefined) ?? []).filter((path) => !started.has(path)),
        completedRequest: false,
        generation: reply[3] ?? 0,
      };
    }
    case ReplyCode.NOT_RUNNING:
      return { kind: 'not-running' };
    case ReplyCode.STALE:
      return { kind: 'stale', owner: String(reply[1] ?? '') };
    default:
      return { kind: 'missing' };
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

/**
 * A vertex's state. A composite vertex (sub-DAG, branch, for-each) runs as a start step and an end
 * step: it is running from its start until its end completes, and lists the branches or items it picked.
 */
function nodeState(fields: Record<string, string>, path: string): NodeState {
  const start = `${path}${START}`;
  const own = fields[stepField(StepField.status, path)];
  const started = fields[stepField(StepField.status, start)];
  const source = own === undefined && started !== undefined ? start : path;
  const status =
    own ?? (started === undefined ? 'pending' : started === 'completed' ? 'running' : started);
  const error = fields[stepField(StepField.error, source)];
  const picked = fields[stepField(StepField.picked, path)];
  const compensation = fields[stepField(StepField.compensation, path)];
  return {
    status: status as NodeStatus,
    attempts: attemptsOf(fields, source),
    ...optionalNumber(
      'startedAt',
      fields[stepField(StepField.startedAt, started === undefined ? path : start)],
    ),
    ...optionalNumber('finishedAt', fields[stepField(StepField.finishedAt, path)]),
    ...(error === undefined ? {} : { error: JSON.parse(error) as NodeError }),
    ...(picked === undefined ? {} : { picked: JSON.parse(picked) as string[] }),
    ...(compensation === undefined
      ? {}
      : { compensation: JSON.parse(compensation) as NodeState['compensation'] }),
  };
}

/**
 * Attempts a step made: counted by `beginNode`; a step that completed without it (its input handed over)
 * ran once, and its completion does not write the count.
 */
function attemptsOf(fields: Record<string, string>, step: string): number {
  const counted = fields[stepField(StepField.attempts, step)];
  if (counted !== undefined) return Number(counted);
  return fields[stepField(StepField.status, step)] === 'completed' ? 1 : 0;
}

function optionalNumber<K extends string>(
  key: K,
  value: string | undefined,
): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: Number(value) } as Record<K, number>);
}
