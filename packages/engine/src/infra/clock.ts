/**
 * Where the engine reads the time it stores and compares: request and node timings, a sleep's start,
 * debounce windows. It is the system clock, read through one function call; a test kit
 * (`@dagflow/testing`) installs a virtual one with {@link useClock} so that skipped time shows in
 * state as if it had passed. BullMQ's own timestamps (delayed jobs, back-off) stay on the system clock.
 */
export interface Clock {
  /** Milliseconds since the epoch, now. */
  now(): number;
  /** The clock's time at a past instant of the system clock (e.g. a BullMQ job's `timestamp`). */
  at(systemMs: number): number;
}

const SYSTEM: Clock = { now: Date.now, at: (systemMs) => systemMs };

let current: Clock = SYSTEM;

/** Milliseconds since the epoch on the engine's clock. */
export function clockNow(): number {
  return current.now();
}

/** The engine's clock at a past instant of the system clock. */
export function clockAt(systemMs: number): number {
  return current.at(systemMs);
}

/**
 * Makes every engine of this process read time from `clock`; `undefined` puts the system clock back.
 * For test kits: one clock per process, so one virtual clock at a time.
 */
export function useClock(clock: Clock | undefined): void {
  current = clock ?? SYSTEM;
}
