import { Redis } from 'ioredis';

/**
 * Asks a redis-server that may not be up (yet, or any more) one thing on a connection of its own: no
 * retries, no reconnects; answers undefined when it cannot.
 */
export async function askServer<T>(
  port: number,
  query: (redis: Redis) => Promise<T>,
): Promise<T | undefined> {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await query(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Whether a redis-server answers PING on `port`. */
export async function answersPing(port: number): Promise<boolean> {
  return (await askServer(port, (redis) => redis.ping())) === 'PONG';
}
