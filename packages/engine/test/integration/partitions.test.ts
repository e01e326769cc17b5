import type { Dag } from '@dagflow/flow';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { placeRequest } from '../../src/format/partitions.js';
import { newService, prefixFor } from './helpers.js';

/** A two-step chain whose first step waits for `gate` to open. */
function chain(gate: { open: Promise<void> }) {
  return (dag: Dag) => {
    dag.node('first', async (n: number) => {
      await gate.open;
      return n + 1;
    });
    dag.node('second', (n: number) => n * 10);
    dag.edge('first', 'second');
  };
}

const open = { open: Promise.resolve() };

/** The partition recorded in a request's state hash (a stored format, read as it is stored). */
async function recordedPartition(prefix: string, id: string): Promise<string | null> {
  const seeds = inject('redisClusterNodes');
  const redis = seeds ? new Cluster(seeds.split(',')) : new Redis(inject('redisUrl'));
  try {
    return await redis.hget(`${prefix}:r:{chain/${id}}:state`, 'partition');
  } finally {
    redis.disconnect();
  }
}

describe('partitions', () => {
  it('completes requests placed under a count the workers were never configured with', async () => {
    const prefix = prefixFor();
    const client = newService({ prefix, partitions: 4 });
    client.register('chain', chain(open));
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => client.execute('chain', i)));
    const placed = await Promise.all(ids.map((id) => recordedPartition(prefix, id)));
    expect(new Set(placed).size).toBeGreaterThan(1);
    // The count is lowered: the new workers still serve the 4 partitions requests were placed in.
    const worker = newService({ prefix, partitions: 2 });
    worker.register('chain', chain(open));
    await worker.startWorker();
    const results = await Promise.all(ids.map((id) => client.waitForResult('chain', id)));
    expect(results).toEqual(ids.map((_, i) => (i + 1) * 10));
  });

  it('keeps a request in its partition across pause, resume and a new count', async () => {
    const prefix = prefixFor();
    let release = (): void => undefined;
    const gate = { open: new Promise<void>((resolve) => (release = resolve)) };
    const first = newService({ prefix, partitions: 3 });
    first.register('chain', chain(gate));
    await first.startWorker();
    const id = await first.execute('chain', 1, { requestId: 'kept-in-place' });
    await first.pause('chain', id);
    // Executing the same id again changes nothing, whatever the count of the caller.
    const other = newService({ prefix, partitions: 5 });
    other.register('chain', chain(open));
    expect(await other.execute('chain', 1, { requestId: 'kept-in-place' })).toBe(id);
    release();
    await other.resume('chain', id);
    expect(await other.waitForResult('chain', id)).toBe(20);
    expect(await recordedPartition(prefix, id)).toBe(`3.${placeRequest(id, 3).index}`);
  });
});
