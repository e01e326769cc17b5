import { type RedisClient, isCluster } from '../../infra/redis-connection.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { RequestStatus } from '../../types/types.js';
import type { Keys } from '../../format/keys.js';
import { StepField, stepField } from '../../format/layout.js';
import { runScript } from '../scripts/scripts.js';
import { TickBatch } from '../tick-batch.js';

/** How a request stands, as a caller waiting for its result reads it. */
export interface RequestOutcome {
  readonly status: RequestStatus;
  /** The definition version it runs on. */
  readonly version: string | undefined;
  /**
   * Once it completed: the outputs of the terminal nodes of the version the caller expected (they are
   * the result only when `version` is that version).
   */
  readonly outputs?: readonly (string | null)[];
}

interface OutcomeRead {
  readonly plan: FlowPlan;
  readonly requestId: string;
}

type OutcomeReply = [status: string | null, version: string | null, ...outputs: (string | null)[]];

/**
 * Reads requests' outcomes for callers waiting for their results (`lua/readOutcomes.lua`): status,
 * version and, once completed, the result's outputs in one command. The reads of one flow version
 * begun in one tick (the waits of a batch of executes, the ends announced together) go as one call.
 */
export class OutcomeReads {
  readonly #reads = new TickBatch<OutcomeRead, OutcomeReply>(async (_group, reads) => {
    const [first] = reads;
    if (first === undefined) return [];
    const keys: string[] = [];
    for (const { plan, requestId } of reads) {
      const { state, data } = this.keys.request(plan.name, requestId);
      keys.push(state, data);
    }
    const fields = first.plan.graph.terminals.map((id) => stepField(StepField.output, id));
    return (await runScript(this.redis, 'readOutcomes', keys, fields)) as OutcomeReply[];
  });

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The request's outcome with the terminal outputs of `plan`'s version, or undefined when it does not exist. */
  async read(plan: FlowPlan, requestId: string): Promise<RequestOutcome | undefined> {
    // On a cluster each request's keys lie in a slot of their own: one call each.
    const group = isCluster(this.redis)
      ? `${plan.name}/${requestId}`
      : `${plan.name}\u0000${plan.version}`;
    const [status, version, ...outputs] = await this.#reads.add(group, { plan, requestId });
    if (status === null) return undefined;
    return {
      status: status as RequestStatus,
      version: version ?? undefined,
      ...(status === 'completed' ? { outputs } : {}),
    };
  }
}
