import calculateSlot from 'cluster-key-slot';

/**
 * Where a request's jobs go: partition `index` of a flow split `count` ways. Each partition is a BullMQ
 * queue with its own hash tag; `{ index: 0, count: 1 }` is the flow's own queue, `{flow}`.
 */
export interface Partition {
  readonly index: number;
  readonly count: number;
}

/** The flow's own queue: every request without a recorded partition is there. */
export const FLOW_QUEUE: Partition = { index: 0, count: 1 };

/** Redis Cluster hash slots. */
const SLOTS = 16_384;

const tags = new Map<string, string>();

/**
 * The hash tag (without braces) of a partition's queues: the flow name for the flow's own queue, else
 * `<flow>~<count>.<index>.<n>`, with the smallest `n` whose slot lies in the middle half of range
 * `index` of the 16384 slots cut in `count` equal ranges. A cluster whose masters split the slots
 * evenly (what `redis-cli --cluster create` does) so serves `count` partitions on `count` masters one
 * each, and on `count * k` masters one per k-th master. Stored format: queue names are made from it.
 * A flow name cannot hold `~` (`assertValidId`), so the two kinds of tag never meet.
 */
export function partitionTag(flow: string, partition: Partition): string {
  const { index, count } = partition;
  if (count === 1) return flow;
  const cached = tags.get(`${flow}\n${count}.${index}`);
  if (cached !== undefined) return cached;
  const width = SLOTS / count;
  const low = (index + 0.25) * width;
  const high = (index + 0.75) * width;
  let n = 0;
  let tag = `${flow}~${count}.${index}.${n}`;
  for (let slot = calculateSlot(tag); slot < low || slot > high; slot = calculateSlot(tag)) {
    n += 1;
    tag = `${flow}~${count}.${index}.${n}`;
  }
  tags.set(`${flow}\n${count}.${index}`, tag);
  return tag;
}

/** The partition a queue's hash tag names (see {@link partitionTag}); the flow's own queue for others. */
export function partitionOfTag(tag: string): Partition {
  const match = /~(\d+)\.(\d+)\.\d+$/.exec(tag);
  return match === null ? FLOW_QUEUE : { count: Number(match[1]), index: Number(match[2]) };
}

/**
 * The partition a new request is placed in, from its id alone (the CRC16 of the id, modulo `count`), so
 * that an id executed twice with the same count lands in the same partition.
 */
export function placeRequest(requestId: string, count: number): Partition {
  if (count === 1) return FLOW_QUEUE;
  // The id as a hash tag, so that any `{` or `}` in it cannot narrow what is hashed.
  return { index: calculateSlot(`{${requestId}}`) % count, count };
}

/** A partition as the request's state hash stores it (field `partition`): `<count>.<index>`. */
export function formatPartition(partition: Partition): string {
  return `${partition.count}.${partition.index}`;
}

/** Reads the `partition` field; missing or malformed means the flow's own queue. */
export function parsePartition(text: string | null | undefined): Partition {
  const match = /^(\d+)\.(\d+)$/.exec(text ?? '');
  if (match === null) return FLOW_QUEUE;
  const count = Number(match[1]);
  const index = Number(match[2]);
  return count >= 1 && index < count ? { count, index } : FLOW_QUEUE;
}

/** Every partition of the given counts, the flow's own queue first (it is always served). */
export function partitionsOf(counts: Iterable<number>): Partition[] {
  const all = new Map<string, Partition>([['1.0', FLOW_QUEUE]]);
  for (const count of counts)
    for (let index = 0; index < count; index++) all.set(`${count}.${index}`, { count, index });
  return [...all.values()];
}
