import { type RedisClient, isCluster } from '../infra/redis-connection.js';
import { type Keys, type RequestKeys, allKeys } from '../format/keys.js';
import { ReplyCode } from '../format/reply-codes.js';
import { StepField, stepField } from '../format/layout.js';
import { runScript } from './scripts/scripts.js';
import { CompletionBatcher } from './completion-batcher.js';
import {
  type CompletionArgs,
  completeNodeArgs,
  ownArgs,
  specArgs,
} from './scripts/completion-args.js';
import { failNodeArgs } from './scripts/fail-args.js';
import type { NodeError } from '../types/types.js';
import { StateReads } from './reads/state-reads.js';
import {
  type BeginReply,
  type BeginResult,
  beginResult,
  type CompletedStep,
  type CompleteReply,
  type CompleteResult,
  type CompletionSpec,
  type FailResult,
  type Retention,
  completeResult,
} from './state-results.js';
import { TickBatch } from './tick-batch.js';
import { clockNow } from '../infra/clock.js';

/** Begins with at most this many input fields are sent with the others of their tick. */
const BATCHED_FIELDS = 100;

/** One step's begin: its request's keys, path, owner token and input fields (see `lua/beginStep.lua`). */
interface Begin {
  readonly keys: RequestKeys;
  readonly path: string;
  readonly owner: string;
  readonly fields: readonly string[];
  /** When the step began, if before this begin (a sleep: when its delayed job was added). */
  readonly since?: number | undefined;
}

/**
 * The writes of the processes that run steps (the executor): begin, mark running, complete (alone or
 * batched per tick) and fail an attempt; every multi-key update is one Lua script. Reads are in
 * {@link StateReads}; the writes of request commands in `RequestWrites`.
 */
export class StepWrites extends StateReads {
  readonly #batcher: CompletionBatcher;

  constructor(
    redis: RedisClient,
    keys: Keys,
    private readonly retention: Retention,
  ) {
    super(redis, keys);
    this.#batcher = new CompletionBatcher(redis);
  }

  /**
   * Starts an attempt of the step at `path`, reading the data `fields` of its input, unless the guard
   * says otherwise. The begins of one tick (the joins released by one batch of completions) go to
   * Redis as one script call (on a Redis Cluster, one per request). A step with `since` is timed from
   * then (a sleep, from when it began sleeping) and begins alone.
   */
  async beginNode(
    flow: string,
    requestId: string,
    step: { readonly path: string; readonly owner: string; readonly since?: number | undefined },
    fields: readonly string[],
  ): Promise<BeginResult> {
    const group = isCluster(this.redis) ? `${flow}/${requestId}` : '';
    const begin = { keys: this.keys.request(flow, requestId), ...step, fields };
    // A join of many inputs (a for-each's end) reads them alone: one call stays small.
    const reply: BeginReply =
      fields.length > BATCHED_FIELDS || step.since !== undefined
        ? await this.#beginOne(begin)
        : await this.#begins.add(group, begin);
    return beginResult(reply, step.owner);
  }

  readonly #begins = new TickBatch<Begin, BeginReply>((_group, begins) => this.#begin(begins));

  async #beginOne({ keys, path, owner, fields, since }: Begin): Promise<BeginReply> {
    const { state, data, held } = keys;
    return (await runScript(
      this.redis,
      'beginNode',
      [state, data, held],
      [path, since ?? clockNow(), owner, ...fields],
    )) as BeginReply;
  }

  async #begin(begins: readonly Begin[]): Promise<BeginReply[]> {
    const [only] = begins;
    if (begins.length === 1 && only !== undefined) return [await this.#beginOne(only)];
    const now = clockNow();
    const keys: string[] = [];
    const args: (string | number)[] = [now];
    for (const { keys: request, path, owner, fields } of begins) {
      keys.push(request.state, request.data, request.held);
      args.push(path, owner, fields.length, ...fields);
    }
    return (await runScript(this.redis, 'beginNodes', keys, args)) as BeginReply[];
  }

  /**
   * Records that a step begun implicitly (see `format/implied-begin.ts`) is running, and its request
   * if it was pending; see `lua/markRunning.lua`.
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
   * Releases the consumers of a producer's stream edges as the producer's attempt starts; answers the
   * consumers to enqueue (none when the attempt is stale, the producer finished or the request ended).
   * See `lua/releaseStream.lua`.
   */
  async releaseStream(
    flow: string,
    requestId: string,
    producer: { readonly path: string; readonly owner: string },
    consumers: readonly string[],
  ): Promise<string[]> {
    const { state } = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'releaseStream',
      [state],
      [producer.path, producer.owner, ...consumers],
    )) as [number, string[]?];
    return reply[0] === ReplyCode.OK ? (reply[1] ?? []) : [];
  }

  /**
   * Marks a queued step that no live worker can run (`STEP_UNAVAILABLE`); answers since when it is (the
   * first mark's time), or undefined when the step began or ended, the request is gone, or it is not
   * running (a paused one holds the step for resume). See `lua/markUnavailable.lua`.
   */
  async markUnavailable(
    flow: string,
    requestId: string,
    path: string,
    now: number,
  ): Promise<number | undefined> {
    const { state, held } = this.keys.request(flow, requestId);
    const reply = (await runScript(this.redis, 'markUnavailable', [state, held], [path, now])) as [
      number,
      string?,
    ];
    return reply[0] === ReplyCode.OK ? Number(reply[1]) : undefined;
  }

  /** Forgets that a step was unavailable (a worker with its code runs it now). */
  async clearUnavailable(flow: string, requestId: string, path: string): Promise<void> {
    const { state } = this.keys.request(flow, requestId);
    await this.redis.hdel(state, stepField(StepField.unavailable, path));
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
      (await runScript(
        this.redis,
        'completeNode',
        keys,
        completeNodeArgs(clockNow(), args),
      )) as CompleteReply,
      step.begin,
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
    return completeResult((await this.#batcher.complete(keys, args)) as CompleteReply, step.begin);
  }
  /** The script arguments of a completion: the spec part steps may share, and the step's own part. */
  #completion(
    flow: string,
    requestId: string,
    { path, output, startedAt, owner, begin }: CompletedStep,
    spec: CompletionSpec,
  ): { keys: string[]; args: CompletionArgs } {
    const dataFields = spec.dataFields ?? [];
    return {
      keys: allKeys(this.keys.request(flow, requestId)),
      args: {
        shared: specArgs({
          terminals: spec.terminalCount,
          retention: this.retention.completedMs,
          channel: this.keys.flowEvents(flow),
          message: requestId,
          successors: spec.successors,
          dataJson: dataFields.length === 0 ? '' : JSON.stringify(dataFields),
          enqueuedJson:
            spec.enqueued === undefined || spec.enqueued.length === 0
              ? ''
              : JSON.stringify(spec.enqueued),
          gate: spec.gate,
        }),
        own: ownArgs({ path, output, startedAt, owner, stateFields: spec.stateFields, begin }),
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
      /** The start of an attempt begun implicitly (see `format/implied-begin.ts`), back-filled. */
      readonly impliedStart?: number | undefined;
    },
  ): Promise<FailResult> {
    const { path, owner } = step;
    const { error, final, impliedStart } = failure;
    const keys = this.keys.request(flow, requestId);
    const reply = (await runScript(
      this.redis,
      'failNode',
      allKeys(keys),
      failNodeArgs({
        path,
        now: clockNow(),
        error: JSON.stringify(error),
        final,
        retention: this.retention.failedMs,
        channel: this.keys.flowEvents(flow),
        message: requestId,
        owner,
        impliedStart,
      }),
    )) as [number, string?];
    if (reply[0] === ReplyCode.STALE) return { kind: 'stale', owner: reply[1] ?? '' };
    if (reply[0] === ReplyCode.COMPLETED) return { kind: 'completed' };
    return { kind: 'recorded', requestFailed: final && reply[0] === ReplyCode.OK };
  }
}
