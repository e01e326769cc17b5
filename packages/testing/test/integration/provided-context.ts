import type {} from 'vitest';

declare module 'vitest' {
  /** The integration project's Redis (its global setup provides it), as `inject('redisUrl')`. */
  export interface ProvidedContext {
    redisUrl: string;
  }
}
