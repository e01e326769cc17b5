import { Redis } from 'ioredis';

/**
 * Commands a Redis server ran since its stats were last reset (INFO commandstats), summed over every
 * command except `exclude` (lower-case names, e.g. a test's own bookkeeping).
 */
export async function commandCalls(
  port: number,
  exclude: readonly string[] = [],
  host = '127.0.0.1',
): Promise<number> {
  const redis = new Redis({ host, port, maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('commandstats');
    let calls = 0;
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (!exclude.includes(match[1] ?? '')) calls += Number(match[2]);
    }
    return calls;
  } finally {
    redis.disconnect();
  }
}

/** Resets a Redis server's INFO stats (CONFIG RESETSTAT), so that {@link commandCalls} counts from now. */
export async function resetCommandStats(port: number, host = '127.0.0.1'): Promise<void> {
  const redis = new Redis({ host, port, maxRetriesPerRequest: 1 });
  try {
    await redis.config('RESETSTAT');
  } finally {
    redis.disconnect();
  }
}
