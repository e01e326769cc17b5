/**
 * Flow `stream` of the stream shape (T3-6), registered by every dagflow worker process of the bench:
 * one node that emits 100-byte chunks, each starting with its emit time (ms since the epoch).
 */
import type { FlowService } from '@dagflow/engine';

/** Bytes of each chunk as stored (a JSON string of 98 characters and its quotes). */
export const CHUNK_BYTES = 100;
/**
 * Emits the throughput node keeps outstanding (each awaited before its slot is used again): a few
 * batches' worth, so that the next batch is made while Redis stores the one before.
 */
const WINDOW = 2_048;
/** The latency load's gap between emits. */
export const PACE_MS = 2;

/** What the node of flow `stream` is asked to emit. */
export interface StreamInput {
  readonly count: number;
  /** 0: as fast as the window allows; else one emit, awaited, every `paceMs`. */
  readonly paceMs: number;
}

export const now = (): number => performance.timeOrigin + performance.now();
const chunkOf = (): string =>
  now()
    .toFixed(3)
    .padEnd(CHUNK_BYTES - 2, '.');

/** Registers flow `stream` (one node `talk`, see {@link StreamInput}). */
export function registerStreamFlow(service: FlowService): void {
  service.register('stream', (dag) =>
    dag.node('talk', async ({ count, paceMs }: StreamInput, ctx) => {
      if (paceMs > 0) {
        for (let i = 0; i < count; i++) {
          await ctx.emit(chunkOf());
          await new Promise((resolve) => setTimeout(resolve, paceMs));
        }
        return count;
      }
      const ring: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const slot = i % WINDOW;
        if (ring[slot] !== undefined) await ring[slot];
        ring[slot] = ctx.emit(chunkOf());
      }
      await Promise.all(ring);
      return count;
    }),
  );
}
