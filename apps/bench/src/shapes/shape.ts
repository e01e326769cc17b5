/** What every shape module gives: a worker side (in a worker process) and a driver side (in the driver). */
import type { Redis } from 'ioredis';
import type { BenchTarget } from '../target.js';

/** A shape's worker side, running in a worker process until closed. */
export interface Served {
  close(): Promise<void>;
}

/** What the driver side of a shape gets for one measurement. */
export interface LoadContext {
  readonly target: BenchTarget;
  readonly prefix: string;
  /** The driver's own connection (no blocking commands), for queues and flow producers. */
  readonly redis: Redis;
  /** Resolves once the worker process has reported `count` terminal batches since its start. */
  untilTerminals(count: number): Promise<void>;
  /** The HTTP port each of the measurement's processes answered on `start` (servers only). */
  readonly ports: readonly (number | undefined)[];
  /** The bearer token the dagflow server of the HTTP row accepts. */
  readonly token: string;
  /** Progress lines (stderr). */
  log(line: string): void;
}

/** The job options every BullMQ shape uses: keep nothing of a completed job, as dagflow does. */
export const JOB_OPTIONS = { removeOnComplete: true } as const;

/** Splits `count` items into chunks of `size`, answering each chunk's first index and length. */
export function* chunks(count: number, size: number): Generator<[number, number]> {
  for (let start = 0; start < count; start += size) yield [start, Math.min(size, count - start)];
}

/** Nodes of the chain shape, for raw BullMQ and dagflow alike. */
export const CHAIN_HOPS = 50;
