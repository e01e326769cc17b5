import { type RedisClient, isCluster } from '../infra/redis-connection.js';
import { type Keys, allKeys } from '../format/keys.js';
import { ReplyCode } from '../format/reply-codes.js';
import { runScript } from './scripts/scripts.js';
import { type NewRequestArgs, createRequestsArgs } from './scripts/new-request-args.js';
import type { RequestStatus } from '../types/types.js';
import { StepField, stepField } from '../format/layout.js';
import { type ParentLink } from '../format/request-ids.js';
import { StateReads } from './reads/state-reads.js';
import type { ControlCommand, ControlResult, Retention, StopReason } from './state-results.js';
import { TickBatch } from './tick-batch.js';
import { clockNow } from '../infra/clock.js';
import { RERUN_BEGUN, runRerunSlices } from './rerun-slices.js';

/** What a new request stores (see `lua/createRequests.lua`). */
export interface NewRequest {
  readonly input: string;
  readonly context: string;
  readonly version: string;
  /** The parent of a child request (`dag.flow`). */
  readonly parent?: ParentLink;
  /** The partition it is placed in (`formatPartition`); none: the flow's own queue. */
  readonly partition?: string;
  /** The input's fingerprint (`inputFingerprint`); none for a request whose input may change (debounced). */
  readonly fingerprint?: string;
  /** Its deadlines (ms since epoch), see `queue/deadline-jobs.ts`. */
  readonly deadline?: { readonly startBy?: number; readonly finishBy?: number };
  /** The name of its singleton key (`Keys.singleton`), cleared at its end. */
  readonly singleton?: string;
  /** A request of a flow with `fairness`: its fair tag (`formatFairTag`). */
  readonly fairKey?: string;
}

/**
 * What creating a request did: created it, found one with that id (its status), or found one the
 * call does not match: another input (`reused`) or, for a child request, another parent (`foreign`).
 */
export type CreationOutcome =
  | { readonly created: boolean; readonly status: RequestStatus; readonly conflict?: undefined }
  | { readonly created: false; readonly conflict: 'reused' | 'foreign' };

interface Creation {
  readonly flow: string;
  readonly requestId: string;
  readonly request: NewRequest;
}

/**
 * The writes of processes that start and command requests (the client side): create a request, hold
 * steps taken off the queue, run lifecycle commands, override inputs for a rerun; every multi-key
 * update is one Lua script. Reads are in {@link StateReads}; the writes of step attempts in `StepWrites`.
 */
export class RequestWrites extends StateReads {
  constructor(
    redis: RedisClient,
    keys: Keys,
    /** How long ended requests are kept. */
    readonly retention: Retention,
  ) {
    super(redis, keys);
  }

  /**
   * Creates the request, unless one with its id exists; answers whether it did, and the status of
   * the request with that id. Creations of one tick go to Redis as one script call.
   */
  async createRequest(
    flow: string,
    requestId: string,
    request: NewRequest,
  ): Promise<CreationOutcome> {
    // On a cluster each request's keys lie in a slot of their own: one call each; else one per flow
    // (its requests are announced on the flow's channel).
    const group = isCluster(this.redis) ? `${flow}/${requestId}` : flow;
    const reply = await this.#creations.add(group, { flow, requestId, request });
    if (reply === ReplyCode.CREATED) return { created: true, status: 'pending' };
    if (reply === ReplyCode.INPUT_MISMATCH) return { created: false, conflict: 'reused' };
    if (reply === ReplyCode.FOREIGN_CHILD) return { created: false, conflict: 'foreign' };
    return { created: false, status: reply as RequestStatus };
  }

  readonly #creations = new TickBatch<Creation, number | string>(async (_group, creations) => {
    const keys: string[] = [];
    const requests: NewRequestArgs[] = [];
    for (const { flow, requestId, request } of creations) {
      const { state, data } = this.keys.request(flow, requestId);
      keys.push(state, data);
      requests.push({
        input: request.input,
        context: request.context,
        version: request.version,
        message: requestId,
        parent: request.parent === undefined ? '' : JSON.stringify(request.parent),
        partition: request.partition,
        fingerprint: request.fingerprint,
        startBy: request.deadline?.startBy,
        finishBy: request.deadline?.finishBy,
        singleton: request.singleton,
        fairKey: request.fairKey,
      });
    }
    const channel = this.keys.flowEvents(creations[0]?.flow ?? '');
    const args = createRequestsArgs(clockNow(), channel, requests);
    return (await runScript(this.redis, 'createRequests', keys, args)) as (number | string)[];
  });

  /**
   * Holds steps taken off the queue before they started, for resume or rerun to enqueue again; answers
   * those to enqueue at once instead, when the request is running again by now (see `lua/holdSteps.lua`).
   */
  async hold(flow: string, requestId: string, steps: readonly string[]): Promise<string[]> {
    if (steps.length === 0) return [];
    const { state, held } = this.keys.request(flow, requestId);
    return (await runScript(this.redis, 'holdSteps', [state, held], steps)) as string[];
  }
  /**
   * Runs a lifecycle command atomically; see `lua/controlRequest.lua`.
   * @returns the steps to enqueue (resume, rerun) or to remove and abort (stop), and the job generation
   */
  async control(
    flow: string,
    requestId: string,
    command: ControlCommand,
    reason?: StopReason,
  ): Promise<ControlResult> {
    const keys = this.keys.request(flow, requestId);
    const error =
      reason === undefined
        ? ''
        : JSON.stringify({
            node: '',
            attempts: 0,
            name: 'DagflowError',
            ...reason,
            unstarted: undefined,
          });
    const reply = (await runScript(this.redis, 'controlRequest', allKeys(keys), [
      command,
      clockNow(),
      this.retention.failedMs,
      this.keys.flowEvents(flow),
      requestId,
      this.retention.pausedMs,
      this.retention.completedMs,
      error,
      reason?.unstarted === true ? 'unstarted' : '',
    ])) as [number, unknown, number?, number?, number[]?];
    if (reply[0] === ReplyCode.OK && reply[3] === RERUN_BEGUN) {
      const rerun = await runRerunSlices(this.redis, this.keys, { flow, requestId }, reply[2] ?? 0);
      if (rerun.kind !== 'done') return rerun;
      return { ...rerun, generation: reply[2] ?? 0, completed: false };
    }
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

  /**
   * Confirms that a resume or rerun enqueued `steps` of its reply's chunk `chunk` (1-based, see
   * `StoredLimit.resumingChunk`) under `generation` (see `lua/clearResuming.lua`).
   */
  async clearResuming(
    flow: string,
    requestId: string,
    confirmed: { readonly generation: number; readonly chunk: number },
    steps: readonly string[],
  ): Promise<void> {
    if (steps.length === 0) return;
    const { state } = this.keys.request(flow, requestId);
    const { generation, chunk } = confirmed;
    await runScript(this.redis, 'clearResuming', [state], [generation, chunk, ...steps]);
  }
}
