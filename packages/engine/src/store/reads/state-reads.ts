import type { RedisClient } from '../../infra/redis-connection.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { RequestState, RequestStatus } from '../../types/types.js';
import type { Keys } from '../../format/keys.js';
import { pathOfField, RequestField, StepField, stepField } from '../../format/layout.js';
import { childIdForm, childRequestId, type ParentLink } from '../../format/request-ids.js';
import { ownerGeneration } from '../../format/job-layout.js';
import { requestStateOf } from './request-state.js';
import type { EndedRequest } from '../state-results.js';

/**
 * A child request as {@link StateReads.findChild} finds it: its id, and once it exists its status and
 * whether its stored parent link names the node that looked (a parent adopts only its own children).
 */
export type FoundChild =
  | { readonly requestId: string; readonly status?: undefined }
  | { readonly requestId: string; readonly status: RequestStatus; readonly ours: boolean };

/** Reads of request state: the state, outputs, inputs and status of requests and their steps. */
export class StateReads {
  constructor(
    protected readonly redis: RedisClient,
    protected readonly keys: Keys,
  ) {}

  /** Paths of the steps that failed for good. */
  async failedSteps(flow: string, requestId: string): Promise<string[]> {
    const fields = await this.redis.hgetall(this.keys.request(flow, requestId).state);
    return Object.entries(fields).flatMap(([field, value]) => {
      const path = pathOfField(StepField.status, field);
      return path !== undefined && value === 'failed' ? [path] : [];
    });
  }

  /**
   * Steps still running whose owner token ends with `suffix` (the steps a job ran after its own, see
   * `worker/step/successors/inline-successor.ts`), with their tokens; and those of `unbegun` (the other items of a job
   * of several for-each items) that have neither a status nor an owner of their own (owner '').
   */
  async runningOwnedBy(
    flow: string,
    requestId: string,
    owned: { readonly suffix: string; readonly unbegun?: readonly string[] },
  ): Promise<{ readonly path: string; readonly owner: string }[]> {
    const fields = await this.redis.hgetall(this.keys.request(flow, requestId).state);
    const running = Object.entries(fields).flatMap(([field, owner]) => {
      const path = pathOfField(StepField.owner, field);
      const running = path !== undefined && fields[stepField(StepField.status, path)] === 'running';
      return running && owner.endsWith(owned.suffix) ? [{ path, owner }] : [];
    });
    const unbegun = (owned.unbegun ?? []).filter(
      (path) =>
        fields[stepField(StepField.status, path)] === undefined &&
        fields[stepField(StepField.owner, path)] === undefined,
    );
    return [...running, ...unbegun.map((path) => ({ path, owner: '' }))];
  }

  /** The request's state, or undefined when it does not exist. */
  async readState(plan: FlowPlan, requestId: string): Promise<RequestState | undefined> {
    const fields = await this.redis.hgetall(this.keys.request(plan.name, requestId).state);
    return requestStateOf(plan, requestId, fields);
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

  /**
   * Of the steps at `paths`, those parked (`waiting`), each with the job-id generation of the attempt
   * that parked it (its owner token's).
   */
  async parkedSteps(
    flow: string,
    requestId: string,
    paths: readonly string[],
  ): Promise<{ path: string; generation: number }[]> {
    if (paths.length === 0) return [];
    const fields = paths.flatMap((path) => [
      stepField(StepField.status, path),
      stepField(StepField.owner, path),
    ]);
    const values = await this.redis.hmget(this.keys.request(flow, requestId).state, ...fields);
    return paths.flatMap((path, i) =>
      values[2 * i] === 'waiting' ? [{ path, generation: ownerGeneration(values[2 * i + 1]) }] : [],
    );
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

  /**
   * The child request a parent's child-flow node runs: its id (in the form of the parent's children,
   * see `childRequestId`) and, once it exists, its status and stored parent link. Two reads.
   */
  async findChild(flow: string, parent: ParentLink): Promise<FoundChild> {
    const fingerprint = await this.redis.hget(
      this.keys.request(parent.flow, parent.requestId).state,
      RequestField.fingerprint,
    );
    const form = childIdForm(fingerprint ?? undefined);
    const found = await this.#child(
      flow,
      childRequestId(parent.requestId, parent.node, form),
      parent,
    );
    if (found.status !== undefined || form === 'legacy') return found;
    // A worker of an engine from before T3-2 (a rolling deploy) starts a new parent's child under the
    // old id form: adopt such a child when it is this node's own, else start the new form's.
    const legacy = await this.#child(
      flow,
      childRequestId(parent.requestId, parent.node, 'legacy'),
      parent,
    );
    return legacy.status !== undefined && legacy.ours ? legacy : found;
  }

  async #child(flow: string, requestId: string, parent: ParentLink): Promise<FoundChild> {
    const [status, link] = await this.redis.hmget(
      this.keys.request(flow, requestId).state,
      RequestField.status,
      RequestField.parent,
    );
    if (status === null || status === undefined) return { requestId };
    return { requestId, status: status as RequestStatus, ours: isLinkTo(link ?? null, parent) };
  }

  /**
   * What the end of a request needs of its state when the script that ended it did not answer it
   * (see `EndedRequest`): its parent link, concurrency key, whether it has a deadline, its singleton
   * key. One read.
   */
  async readEnded(flow: string, requestId: string): Promise<EndedRequest> {
    const [parent, concurrencyKey, startBy, finishBy, singleton] = await this.redis.hmget(
      this.keys.request(flow, requestId).state,
      RequestField.parent,
      RequestField.concurrencyKey,
      RequestField.startBy,
      RequestField.finishBy,
      RequestField.singleton,
    );
    return {
      parent: parent ?? null,
      concurrencyKey: concurrencyKey ?? null,
      deadline: startBy !== null || finishBy !== null,
      singleton: singleton ?? null,
    };
  }

  /**
   * What a deadline job decides on: the status, whether a node began (`startedAt`), and the
   * deadlines; undefined when the request does not exist.
   */
  async readDeadline(
    flow: string,
    requestId: string,
  ): Promise<
    { status: RequestStatus; started: boolean; startBy?: number; finishBy?: number } | undefined
  > {
    const [status, startedAt, startBy, finishBy] = await this.redis.hmget(
      this.keys.request(flow, requestId).state,
      RequestField.status,
      RequestField.startedAt,
      RequestField.startBy,
      RequestField.finishBy,
    );
    if (status === null || status === undefined) return undefined;
    return {
      status: status as RequestStatus,
      started: startedAt !== null,
      ...(startBy == null ? {} : { startBy: Number(startBy) }),
      ...(finishBy == null ? {} : { finishBy: Number(finishBy) }),
    };
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

/** Whether a stored parent link (JSON, or null) names that parent node. */
function isLinkTo(stored: string | null, parent: ParentLink): boolean {
  if (stored === null) return false;
  const link = JSON.parse(stored) as ParentLink;
  return (
    link.flow === parent.flow && link.requestId === parent.requestId && link.node === parent.node
  );
}
