import { FlowClient, FlowService } from '@dagflow/engine';
import { type RedisServer, startRedis } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Calls of each command since the last CONFIG RESETSTAT (scripts' own commands included). */
async function calls(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const counts: Record<string, number> = {};
  for (const [, name = '', count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    counts[name] = Number(count);
  return counts;
}

describe('requests executed and awaited together', () => {
  // A Redis of its own: its command counts are this test's alone.
  let server: RedisServer;
  let stats: Redis;
  beforeAll(async () => {
    server = await startRedis();
    stats = new Redis(server.url);
  });
  afterAll(async () => {
    stats.disconnect();
    await server.stop();
  });

  it('go to Redis as one create, one index write and one add; each request runs once', async () => {
    const client = new FlowService({ redisUrl: server.url, prefix: 'batch', logLevel: 'error' });
    let runs = 0;
    client.register('double', (dag) =>
      dag.node('only', (x: number) => {
        runs += 1;
        return x * 2;
      }),
    );
    await client.execute('double', 0); // connect, load scripts and the definition first
    await stats.config('RESETSTAT');
    // 100 new requests, and one id three times with one input (execute is idempotent per id).
    const ids = await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => client.execute('double', i)),
      ...[7, 7, 7].map((x) => client.execute('double', x, { requestId: 'same' })),
    ]);
    // Before batching: 103 createRequest calls and 103 job adds (and 100 ZADDs), a round trip each.
    expect((await calls(stats))['evalsha']).toBe(1 + 103); // one createRequests, BullMQ's add per job
    expect(new Set(ids).size).toBe(101);

    await client.startWorker();
    const results = await Promise.all(ids.map((id) => client.waitForResult('double', id)));
    expect(results.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    expect(results.slice(100)).toEqual([14, 14, 14]);
    expect(runs).toBe(1 + 101);

    await client.close();

    // Waits begun together for ended requests: one script call reads every status and result. A
    // client without workers, so that only its own commands are counted.
    const reader = new FlowClient({ redisUrl: server.url, prefix: 'batch', logLevel: 'error' });
    expect(await reader.waitForResult('double', ids[0] ?? '')).toBe(0); // subscribed, definition read
    await stats.config('RESETSTAT');
    const again = await Promise.all(ids.map((id) => reader.waitForResult('double', id)));
    expect(again).toEqual(results);
    const counted = await calls(stats);
    expect(counted['evalsha']).toBe(1);
    expect(counted['hget'] ?? 0).toBe(0);
    await reader.close();
  });
});
