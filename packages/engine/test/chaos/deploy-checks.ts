import type { FlowVersionInfo } from '@dagflow/engine';
import type { RunEvent } from '../fixtures/run-log.mjs';
import { type RequestFacts, type Violation, repeatsOf, stoppedWorker } from './invariants.js';
import type { Timeline } from './timeline.js';

/** The node code 2 of the chaos flow adds (see `chaos-flow.mjs`): it tells the two shapes apart. */
const ADDED = 'audit';

/** Whether a published version of the chaos flow has the node deploys add. */
const hasAdded = (version: FlowVersionInfo | undefined): boolean =>
  version !== undefined && ADDED in version.nodeWorkers;

/**
 * Invariant 6, for one request: it runs on a published version, keeps the shape it started with (a
 * request submitted before the first deploy stays on the first shape, never runs the added node), and a
 * completed request on the new shape completed the added node.
 */
export function checkShape(
  facts: RequestFacts,
  timeline: Timeline,
  versions: readonly FlowVersionInfo[],
): Violation[] {
  const { requestId, state, runs } = facts;
  const found: Violation[] = [];
  const add = (invariant: string, detail: string) =>
    found.push({ invariant, requestId, node: ADDED, detail });
  const version = versions.find((v) => v.version === state?.version);
  if (state === undefined) return found; // invariant 1 reports it
  if (version === undefined) {
    add('6 version published', `state version ${String(state.version)} was never published`);
    return found;
  }
  const firstDeploy = timeline.faults.find((f) => f.kind === 'deploy')?.start ?? Infinity;
  const submitted = timeline.submittedAt.get(requestId) ?? Infinity;
  if (submitted < firstDeploy && hasAdded(version)) {
    add(
      '6 shape kept',
      `submitted ${firstDeploy - submitted} ms before the first deploy, but runs on version ${version.version}, which has '${ADDED}'`,
    );
  }
  if (!hasAdded(version)) {
    const ran = runs.filter((r) => r.n === ADDED).length;
    if (ran > 0 || state.nodes[ADDED] !== undefined) {
      add(
        '6 shape kept',
        `on version ${version.version} (no '${ADDED}') but '${ADDED}' ran ${ran} time(s), state ${state.nodes[ADDED]?.status ?? 'none'}`,
      );
    }
  } else if (state.status === 'completed' && state.nodes[ADDED]?.status !== 'completed') {
    add(
      '6 shape kept',
      `completed on version ${version.version}, but '${ADDED}' is ${state.nodes[ADDED]?.status ?? 'absent'}`,
    );
  }
  return found;
}

/** What the summary prints about deploys. */
export interface DeployStats {
  /** Requests per version, by shape: `<version> (<shape>): <count>`. */
  readonly byVersion: readonly string[];
  /** Returned handler runs per worker code version. */
  readonly runsByCode: ReadonlyMap<number, number>;
  /** Requests that started on the first shape and ran nodes on a later code. */
  readonly oldShapeNewCode: number;
  /** Requests on the new shape submitted before the first deploy's last stop (old workers still up). */
  readonly newShapeOldWorkers: number;
  /** Extra returned runs that a deploy's stop of the first run's worker explains (maybe among others). */
  readonly deployRepeats: number;
}

/** Counts for the summary. */
export function deployStats(options: {
  readonly facts: readonly RequestFacts[];
  readonly timeline: Timeline;
  readonly versions: readonly FlowVersionInfo[];
  readonly runs: readonly RunEvent[];
  readonly codeOf: ReadonlyMap<number, number>;
}): DeployStats {
  const { facts, timeline, versions, runs, codeOf } = options;
  const byVersion = versions.map((v) => {
    const count = facts.filter((f) => f.state?.version === v.version).length;
    return `${v.version} (${hasAdded(v) ? `with ${ADDED}` : 'first shape'}): ${count}`;
  });
  const runsByCode = new Map<number, number>();
  for (const run of runs) {
    if (!('out' in run)) continue;
    const code = codeOf.get(run.pid) ?? 0;
    runsByCode.set(code, (runsByCode.get(code) ?? 0) + 1);
  }
  const firstShape = new Set(versions.filter((v) => !hasAdded(v)).map((v) => v.version));
  const oldShapeNewCode = facts.filter(
    (f) =>
      firstShape.has(f.state?.version ?? '') && f.runs.some((r) => (codeOf.get(r.pid) ?? 1) > 1),
  ).length;
  const deploys = timeline.faults.filter((f) => f.kind === 'deploy');
  const lastOldStop = Math.max(0, ...deploys.filter((d) => d.code === 2).map((d) => d.start));
  const newShapeOldWorkers = facts.filter(
    (f) =>
      !firstShape.has(f.state?.version ?? '') &&
      (timeline.submittedAt.get(f.requestId) ?? Infinity) < lastOldStop,
  ).length;
  let deployRepeats = 0;
  for (const f of facts) {
    for (const { runs: repeated } of repeatsOf(f)) {
      for (let i = 1; i < repeated.length; i++) {
        const pair = [repeated[i - 1]!, repeated[i]!] as const;
        if (deploys.some((d) => stoppedWorker(d, pair))) deployRepeats += 1;
      }
    }
  }
  return { byVersion, runsByCode, oldShapeNewCode, newShapeOldWorkers, deployRepeats };
}
