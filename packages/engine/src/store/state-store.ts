import type { RedisClient } from '../redis-connection.js';
import type { Keys } from './keys.js';
import { ReplyCode } from './reply-codes.js';
import { runScript } from './scripts.js';
import { type CompletionArgs, CompletionBatcher } from './completion-batcher.js';
import type { NodeError, RequestStatus } from '../types.js';
import { type ParentLink, StepField, stepField } from './layout.js';
import { StateReads } from './state-reads.js';
import {
  type BeginResult,
  type CompletedStep,
  type CompleteReply,
  type CompleteResult,
  type CompletionSpec,
  type ControlCommand,
  type ControlResult,
  type FailResult,
  type Retention,
  completeResult,
} from './state-results.js';

/**
 * Reads and writes request state in Redis; every multi-key update is one Lua script. The writes of
 * executors and lifecycle commands are here, the reads in {@link StateReads}.
 */
export class StateStore extends StateReads {
  readonly #batcher: CompletionBatcher;

  constructor(
    redis: RedisClient,
    keys: Keys,
    private readonly retention: Retention,
  ) {
    super(redis, keys);
    this.#batcher = new CompletionBatcher(redis);
  }

  /** Creates the request; false when a request with that id already exists. */
  async createRequest(
    flow: string,
    requestId: string,
    request: {
      readonly input: string;
      readonly context: string;
      readonly version: string;
      /** The parent of a child request (`dag.flow`). */
      readonly parent?: ParentLink;
      /** The partition it is placed in (`formatPartition`); none: the flow's own queue. */
      readonly partition?: string;
    },
  ): Promise<boolean> {
    const { state, data } = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'createRequest',
      [state, data],
      [
        Date.now(),
        request.input,
        request.context,
        request.version,
        this.keys.events,
        `${flow}/${requestId}`,
        request.parent === undefined ? '' : JSON.stringify(request.parent),
        request.partition ?? '',
      ],
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
    const reply = (await this.#onRequest('failNode', flow, requestId, [
      path,
      Date.now(),
      JSON.stringify(error),
      final ? '1' : '0',
      this.retention.failedMs,
      this.keys.events,
      `${flow}/${requestId}`,
      owner,
      ...extraFields,
    ])) as [number, string?];
    if (reply[0] === ReplyCode.STALE) return { kind: 'stale', owner: reply[1] ?? '' };
    return { kind: 'recorded', requestFailed: final && reply[0] === ReplyCode.OK };
  }

  /**
   * Runs a lifecycle command atomically; see `lua/controlRequest.lua`.
   * @returns the steps to enqueue (resume, rerun) or to remove and abort (stop), and the job generation
   */
  async control(flow: string, requestId: string, command: ControlCommand): Promise<ControlResult> {
    const reply = (await this.#onRequest('controlRequest', flow, requestId, [
      command,
      Date.now(),
      this.retention.failedMs,
      this.keys.events,
      `${flow}/${requestId}`,
      this.retention.pausedMs,
    ])) as [number, unknown, number?, number?, number[]?];
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

  /** Runs a script on all four keys of one request (state, data, store, held). */
  #onRequest(
    script: 'failNode' | 'controlRequest',
    flow: string,
    requestId: string,
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const keys = this.keys.request(flow, requestId);
    return runScript(this.redis, script, [keys.state, keys.data, keys.store, keys.held], args);
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
}
