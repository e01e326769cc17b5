import type { ChaosConfig } from './config.js';
import { Prng } from './prng.js';
import type { FaultRecord } from './timeline.js';

/** One fault to inject. */
export interface PlannedFault {
  /** Offset from the start of the chaos phase, ms. */
  readonly at: number;
  readonly kind: FaultRecord['kind'];
  /** Index of the worker to kill (a deploy restarts them all). */
  readonly victim: number;
  /** How long Redis stays down, the connections stay cut, or a deploy waits between workers, ms. */
  readonly ms: number;
}

/** The seeded plan of a run: faults and request submission times (offsets from the start, ms). */
export interface ChaosPlan {
  readonly faults: readonly PlannedFault[];
  readonly submissions: readonly number[];
}

/**
 * Plans a fault every 8-12 s from 5 s on: each kind once first, in a seeded order (SIGKILL of a worker,
 * Redis kill -9 and restart from its AOF, a 1-3 s connection cut), with a rolling deploy second (so
 * within the first third of a phase of 45 s or more; first in a shorter one); then seeded kinds, and one
 * more deploy per further 30 s of the phase at seeded places. A burst of 3-6 requests comes in the
 * second before each fault so that it hits requests in flight, and as many 3.5-5.5 s into a deploy
 * (the first worker replaced, the others still old: a deploy waits 4-6 s between workers); the other
 * requests are spread over the first 85 % of the phase.
 */
export function planChaos(config: ChaosConfig): ChaosPlan {
  const prng = new Prng(config.seed);
  const offsets: number[] = [];
  // A fault's own duration (up to 3 s, plus a respawn; a deploy: per worker a drain, a respawn and
  // the dwell) is added when it runs.
  for (let at = 5_000; at + 3_000 < config.chaosMs; at += prng.int(8_000, 12_000)) offsets.push(at);
  const kinds = plannedKinds(prng, offsets.length, config.chaosMs);
  const faults = offsets.map((at, i): PlannedFault => {
    const kind = kinds[i]!;
    const ms =
      kind === 'cut'
        ? prng.int(1_000, 3_000)
        : kind === 'deploy'
          ? prng.int(4_000, 6_000)
          : prng.int(300, 2_000);
    return { at, kind, victim: prng.int(0, config.workers - 1), ms };
  });
  const submissions: number[] = [];
  for (const fault of faults) {
    const burst = prng.int(3, 6);
    for (let i = 0; i < burst && submissions.length < config.requests; i++) {
      submissions.push(Math.max(0, fault.at - prng.int(200, 1_200)));
    }
    // Within a deploy's dwell, once clients see the new version: new-shape requests meet old workers.
    for (
      let i = 0;
      fault.kind === 'deploy' && i < burst && submissions.length < config.requests;
      i++
    ) {
      submissions.push(fault.at + prng.int(3_500, 5_500));
    }
  }
  while (submissions.length < config.requests) {
    submissions.push(Math.floor(prng.next() * config.chaosMs * 0.85));
  }
  return { faults, submissions: submissions.sort((a, b) => a - b) };
}

/** The kinds of `count` faults in order (see {@link planChaos}). */
function plannedKinds(prng: Prng, count: number, chaosMs: number): FaultRecord['kind'][] {
  const kinds: FaultRecord['kind'][] = ['kill', 'restart', 'cut'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  kinds.splice(chaosMs >= 45_000 ? 1 : 0, 0, 'deploy');
  const rest: FaultRecord['kind'][] = [];
  for (let i = kinds.length; i < count; i++)
    rest.push(prng.pick(['kill', 'restart', 'cut'] as const));
  // One more deploy per further 30 s, each at a seeded place among the rest (never two in one).
  const places = rest.map((_, i) => i);
  for (let d = 1; d < Math.floor(chaosMs / 30_000) && places.length > 0; d++) {
    const [place] = places.splice(prng.int(0, places.length - 1), 1);
    rest[place!] = 'deploy';
  }
  return [...kinds, ...rest].slice(0, count);
}
