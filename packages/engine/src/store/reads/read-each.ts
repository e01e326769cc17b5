import type { ChainableCommander } from 'ioredis';
import { type RedisClient, isCluster } from '../../infra/redis-connection.js';

/** One command's reply in a pipeline: `[error, result]`. */
export type PipelineRow = [error: Error | null, result: unknown];

/**
 * Sends one command per item (`add` queues it on the pipeline it is handed) in one round trip and
 * answers their replies in item order. Items whose keys lie in different slots cannot share an ioredis
 * Cluster pipeline, so on a cluster each item gets its own pipeline, all sent at once.
 */
export async function readEach<T>(
  redis: RedisClient,
  items: readonly T[],
  add: (pipeline: ChainableCommander, item: T) => void,
): Promise<(PipelineRow | undefined)[]> {
  if (!isCluster(redis)) {
    const pipeline = redis.pipeline();
    for (const item of items) add(pipeline, item);
    return (await pipeline.exec()) ?? [];
  }
  const replies = await Promise.all(
    items.map((item) => {
      const pipeline = redis.pipeline();
      add(pipeline, item);
      return pipeline.exec();
    }),
  );
  return replies.map((rows) => rows?.[0]);
}
