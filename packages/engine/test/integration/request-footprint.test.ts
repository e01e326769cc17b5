import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

/** Items of the measured request: 20,000 in CI; DAGFLOW_FOOTPRINT_ITEMS=100000 for the large mode. */
const ITEMS = Number(process.env['DAGFLOW_FOOTPRINT_ITEMS'] ?? 20_000);

/**
 * Bytes of Redis memory per item a finished for-each may keep, all its keys counted (`MEMORY USAGE`,
 * every entry sampled). Measured (Redis 7.0, jemalloc) before completed steps kept one record
 * (`d|<path>`, T3-2) in place of their start, finish and owner fields: a one-node body 493-563 B per
 * item (10,000 to 100,000 items), a two-node body 959-960 B; since: 397 B (100,000 items) and 409 B
 * (20,000), and 660-664 B. The bounds leave room for the allocator, not for another field per step.
 */
const ONE_NODE_BOUND = 460;
const TWO_NODE_BOUND = 740;

/** Every key of the prefix and the memory it takes, in bytes (all entries sampled). */
async function footprint(redis: Redis, prefix: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    for (const key of keys) total += (await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0;
  } while (cursor !== '0');
  return total;
}

it.each([
  ['one', ONE_NODE_BOUND],
  ['two', TWO_NODE_BOUND],
] as const)(
  `keeps a finished request of ${ITEMS.toLocaleString('en')} items with a %s-node body within its budget per item`,
  async (body, bound) => {
    const prefix = prefixFor();
    const service = newService({ prefix, workerConcurrency: 50 });
    service.register('wide', (dag) => {
      const each = dag.forEachBranch('items', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), i])),
      );
      each.node('double', (x: number) => x * 2);
      if (body === 'two') {
        each.node('inc', (x: number) => x + 1);
        each.edge('double', 'inc');
      }
    });
    await service.startWorker();
    const id = await service.execute('wide', ITEMS);
    const result = (await service.waitForResult('wide', id, { timeoutMs: 300_000 })) as Record<
      string,
      number
    >;
    expect(Object.keys(result)).toHaveLength(ITEMS);
    expect(result['7']).toBe(body === 'two' ? 15 : 14);

    const redis = new Redis(inject('redisUrl'));
    try {
      const perItem = (await footprint(redis, prefix)) / ITEMS;
      console.log(`${body}-node body, ${ITEMS} items: ${perItem.toFixed(0)} B of Redis per item`);
      expect(perItem).toBeLessThan(bound);
    } finally {
      redis.disconnect();
    }
  },
  300_000,
);
