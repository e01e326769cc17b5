import type { Keys } from './keys.js';
import type { Partition } from './partitions.js';

/**
 * The keys of a flow partition's fair scheduler (`fairness`, see `queue/fair-queues.ts`), all in the
 * partition's hash tag. Each vanishes when empty (Redis drops empty hashes and zsets) and all carry a
 * TTL renewed by every enqueue and every worker's reconcile (`lua/fairReconcile.lua`). Added with T3-8.
 */
export interface FairKeys {
  /** Zset: keys with pending nodes -> pass (virtual time; the lowest is served next). */
  readonly active: string;
  /** Zset (all scores 0, ordered by member): pending nodes, `<len>:<key>|<priority>|<seq>|<job id>`. */
  readonly pending: string;
  /** Hash: job id -> the job's descriptor (JSON), while pending or in flight. */
  readonly jobs: string;
  /** Hash: job id -> `<dispatched ms> <key>` of the nodes in flight (added to BullMQ). */
  readonly running: string;
  /** Hash: key -> its nodes in flight. */
  readonly counts: string;
  /** Hash: active key -> its weight. */
  readonly weights: string;
  /** Hash: `vt` (virtual time), `seq` (arrival counter), `window` (nodes in flight at most). */
  readonly meta: string;
  /** Hash: worker id -> `<expiry ms> <concurrency>` of the live workers serving the partition. */
  readonly capacity: string;
}

/**
 * The keys of the fair scheduler of a flow's partition (see {@link FairKeys}), in the hash tag of the
 * partition's queues (`Keys.queueName`), beside the queues of `keys.ts`.
 */
export function fairKeys(keys: Keys, flow: string, partition?: Partition): FairKeys {
  const base = `${keys.prefix}:fair:${keys.queueName(flow, '', partition)}`;
  return {
    active: `${base}:active`,
    pending: `${base}:pending`,
    jobs: `${base}:jobs`,
    running: `${base}:running`,
    counts: `${base}:counts`,
    weights: `${base}:weights`,
    meta: `${base}:meta`,
    capacity: `${base}:capacity`,
  };
}
