import type { Clock } from '@dagflow/engine';

/** From a system instant on, the virtual clock reads this time. */
interface Epoch {
  readonly since: number;
  readonly time: number;
}

/**
 * The test environment's clock: it stands still, at the system time it was made, until
 * {@link moveTo} sets it forward; so tests see the same times run after run and skipped time adds
 * up exactly. Each setting is kept with the system instant it took effect, so that a system
 * timestamp from the past (a BullMQ job's) maps to the virtual time it had then.
 */
export class VirtualClock implements Clock {
  readonly #epochs: Epoch[];

  constructor(start = Date.now()) {
    this.#epochs = [{ since: Number.NEGATIVE_INFINITY, time: start }];
  }

  now(): number {
    return this.#epochs[this.#epochs.length - 1]?.time ?? 0;
  }

  at(systemMs: number): number {
    for (let i = this.#epochs.length - 1; i > 0; i--) {
      const epoch = this.#epochs[i];
      if (epoch !== undefined && epoch.since <= systemMs) return epoch.time;
    }
    return this.#epochs[0]?.time ?? 0;
  }

  /** Sets the clock forward to `virtualMs`; never back. */
  moveTo(virtualMs: number): void {
    if (virtualMs > this.now()) this.#epochs.push({ since: Date.now(), time: virtualMs });
  }
}
