import { CHAOS_FLOW } from '../fixtures/chaos-flow.mjs';
import type { ChaosCluster } from './cluster.js';
import type { Violation } from './invariants.js';
import type { FaultRecord, Timeline } from './timeline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Composite vertices: they complete when their insides do, so their own time says nothing. */
const COMPOSITES = new Set(['each', 'route']);

/** How often the watcher reads the affected requests, ms. */
const POLL_MS = 200;

/** How one node open at a fault came through it. */
export interface NodeRecovery {
  readonly requestId: string;
  readonly path: string;
  /** Time from the fault's end until the node was seen completed, ms; undefined if not seen in time. */
  readonly ms?: number;
  /** Its request was paused, stopped or failed before the node completed: not measured. */
  readonly held?: string;
}

/**
 * Watches the nodes that were queued or running when `fault` hit, from its end, every {@link POLL_MS}
 * ms for up to `windowMs`: when each is seen completed, or its request held by a command or failed.
 * Commands leave the fault's requests alone meanwhile (`timeline.watched`).
 */
export async function watchRecovery(
  cluster: ChaosCluster,
  timeline: Timeline,
  fault: FaultRecord,
  windowMs: number,
): Promise<NodeRecovery[]> {
  try {
    return await watchNodes(cluster, fault, windowMs);
  } finally {
    for (const { requestId } of fault.inFlight) {
      const left = (timeline.watched.get(requestId) ?? 1) - 1;
      if (left > 0) timeline.watched.set(requestId, left);
      else timeline.watched.delete(requestId);
    }
  }
}

async function watchNodes(
  cluster: ChaosCluster,
  fault: FaultRecord,
  windowMs: number,
): Promise<NodeRecovery[]> {
  const open = new Map<string, { requestId: string; path: string }>();
  for (const { requestId, nodes } of fault.inFlight) {
    for (const path of nodes) {
      if (!COMPOSITES.has(path)) open.set(`${requestId} ${path}`, { requestId, path });
    }
  }
  const done: NodeRecovery[] = [];
  const deadline = fault.end + windowMs;
  while (open.size > 0 && Date.now() < deadline) {
    for (const requestId of new Set([...open.values()].map((n) => n.requestId))) {
      const state = await cluster.client.state(CHAOS_FLOW, requestId).catch(() => undefined);
      if (state === undefined) continue;
      const seen = Date.now();
      for (const [key, node] of open) {
        if (node.requestId !== requestId) continue;
        if (state.nodes[node.path]?.status === 'completed') {
          done.push({ ...node, ms: seen - fault.end });
          open.delete(key);
        } else if (['paused', 'stopped', 'failed'].includes(state.status)) {
          done.push({ ...node, held: state.status });
          open.delete(key);
        }
      }
    }
    await sleep(POLL_MS);
  }
  return [...done, ...[...open.values()]];
}

/** Recovery after one fault, as the summary prints it. */
export interface Recovery {
  readonly fault: FaultRecord;
  /** Nodes measured (not held). */
  readonly measured: number;
  /** Longest time until a measured node was seen completed, ms (Infinity: not within the window). */
  readonly maxMs: number;
  /** The node that took longest (`requestId node`). */
  readonly slowest?: string;
}

/**
 * Whether a later fault hit the node before it completed, so that its recovery counts from that fault:
 * a Redis restart or a cut hits every open node; a kill or a deploy's stop of one worker, one that was
 * running then on an attempt begun after this fault (a takeover, which may have been on the worker
 * stopped). A node still waiting for its dead worker's lock at the later kill stays measured from this
 * fault, and so does a queued one at a deploy's stop (the other workers run it meanwhile).
 */
function hitAgain(faults: readonly FaultRecord[], fault: FaultRecord, node: NodeRecovery): boolean {
  const completedAt = node.ms === undefined ? Infinity : fault.end + node.ms;
  return faults.some((later) => {
    if (later.start <= fault.start || later.start >= completedAt) return false;
    const open = later.inFlight.find((r) => r.requestId === node.requestId);
    if (open === undefined || !open.nodes.includes(node.path)) return false;
    if (later.kind !== 'kill' && later.kind !== 'deploy') return true;
    return (open.started[node.path] ?? -Infinity) >= fault.start;
  });
}

/** Longest accepted recoveries, ms. */
export interface RecoveryLimits {
  /** After any fault. */
  readonly limitMs: number;
  /**
   * After a deploy's stop of a worker that exited by itself (a graceful SIGTERM): the lock duration, as
   * no node of a drained worker should wait for its lock to lapse.
   */
  readonly gracefulMs: number;
}

/**
 * Invariant 5: every measured node completed within the limit of the end of the last fault that hit it
 * (`gracefulMs` for a deploy's stop of a worker that exited by itself, else `limitMs`).
 */
export function checkRecovery(
  timeline: Pick<Timeline, 'faults' | 'start'>,
  watched: ReadonlyMap<FaultRecord, readonly NodeRecovery[]>,
  limits: RecoveryLimits,
): { recoveries: Recovery[]; violations: Violation[] } {
  const recoveries: Recovery[] = [];
  const violations: Violation[] = [];
  for (const fault of timeline.faults) {
    const nodes = (watched.get(fault) ?? []).filter(
      (n) => n.held === undefined && !hitAgain(timeline.faults, fault, n),
    );
    let maxMs = 0;
    let slowest: NodeRecovery | undefined;
    for (const node of nodes) {
      const ms = node.ms ?? Infinity;
      if (ms >= maxMs) [maxMs, slowest] = [ms, node];
    }
    recoveries.push({
      fault,
      measured: nodes.length,
      maxMs,
      ...(slowest === undefined ? {} : { slowest: `${slowest.requestId} ${slowest.path}` }),
    });
    const limitMs =
      fault.kind === 'deploy' && fault.pid !== undefined && !fault.forced
        ? Math.min(limits.gracefulMs, limits.limitMs)
        : limits.limitMs;
    if (maxMs > limitMs && slowest !== undefined) {
      violations.push({
        invariant: '5 recovery time',
        requestId: slowest.requestId,
        node: slowest.path,
        detail: `after ${fault.detail} (at +${fault.start - timeline.start} ms) the node took ${maxMs === Infinity ? 'longer than the watch window' : `${maxMs} ms`} to complete (limit ${limitMs} ms)`,
      });
    }
  }
  return { recoveries, violations };
}
