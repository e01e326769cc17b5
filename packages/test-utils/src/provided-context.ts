import type {} from 'vitest';

declare module 'vitest' {
  /** Values the integration global setup provides to every test (`inject('redisUrl')`). */
  export interface ProvidedContext {
    redisUrl: string;
    /** Seeds of the run's Redis Cluster (`host:port,...`), in the `cluster` project only. */
    redisClusterNodes?: string;
  }
}
