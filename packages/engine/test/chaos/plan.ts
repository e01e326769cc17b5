import type { ChaosConfig } from './config.js';
import { Prng } from './prng.js';
import type { FaultRecord } from './timeline.js';

/** One fault to inject. */
export interface PlannedFault {
  /** Offset from the start of the chaos phase, ms. */
  readonly at: number;
  readonly kind: FaultRecord['kind'];
  /** Index of the worker to kill. */
  readonly victim: number;
  /** How long Redis stays down or the connections stay cut, ms. */
  readonly ms: number;
}

/** The seeded plan of a run: faults and request submission times (offsets from the start, ms). */
export interface ChaosPlan {
  readonly faults: readonly PlannedFault[];
  readonly submissions: readonly number[];
}

/**
 * Plans a fault every 8-12 s from 5 s on (each kind once first, in a seeded order: SIGKILL of a worker,
 * Redis kill -9 and restart from its AOF, a 1-3 s connection cut; then seeded kinds), a burst of 3-6
 * requests in the second before each fault so that it hits requests in flight, and the other requests
 * spread over the first 85 % of the phase.
 */
export function planChaos(config: ChaosConfig): ChaosPlan {
  const prng = new Prng(config.seed);
  const kinds: FaultRecord['kind'][] = ['kill', 'restart', 'cut'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const faults: PlannedFault[] = [];
  // A fault's own duration (up to 3 s, plus a respawn) is added when it runs.
  for (let at = 5_000; at + 3_000 < config.chaosMs; at += prng.int(8_000, 12_000)) {
    const kind = kinds[faults.length] ?? prng.pick(['kill', 'restart', 'cut'] as const);
    const ms = kind === 'cut' ? prng.int(1_000, 3_000) : prng.int(300, 2_000);
    faults.push({ at, kind, victim: prng.int(0, config.workers - 1), ms });
  }
  const submissions: number[] = [];
  for (const fault of faults) {
    const burst = prng.int(3, 6);
    for (let i = 0; i < burst && submissions.length < config.requests; i++) {
      submissions.push(Math.max(0, fault.at - prng.int(200, 1_200)));
    }
  }
  while (submissions.length < config.requests) {
    submissions.push(Math.floor(prng.next() * config.chaosMs * 0.85));
  }
  return { faults, submissions: submissions.sort((a, b) => a - b) };
}
