import type { RequestStatus } from '@dagflow/engine';
import { CHAOS_FLOW } from '../fixtures/chaos-flow.mjs';
import type { ChaosCluster } from './cluster.js';
import { type PlannedFault, planChaos } from './plan.js';
import { Prng } from './prng.js';
import { type NodeRecovery, watchRecovery } from './recovery.js';
import type { QueuedActiveSampler } from './sampler.js';
import type { Command, FaultRecord, Timeline } from './timeline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Recovery watchers of the faults injected, by fault (see `recovery.ts`). */
export type Watchers = Map<FaultRecord, Promise<NodeRecovery[]>>;

/**
 * Runs the chaos phase: submissions, commands, faults and samples from the seeded plan, concurrently.
 * Answers the faults' recovery watchers, still running.
 */
export async function runChaos(
  cluster: ChaosCluster,
  timeline: Timeline,
  sampler: QueuedActiveSampler,
): Promise<Watchers> {
  const watchers: Watchers = new Map();
  const { config } = cluster;
  const until = timeline.start + config.chaosMs;
  const plan = planChaos(config);
  await Promise.all([
    submit(cluster, timeline, plan.submissions),
    commands(cluster, timeline, new Prng(config.seed + 1), until),
    faults(cluster, timeline, plan.faults, watchers),
    sampleUntil(sampler, () => Date.now() >= until),
  ]);
  return watchers;
}

/** Samples invariant 4 every second until `done()`. */
export async function sampleUntil(
  sampler: QueuedActiveSampler,
  done: () => boolean,
): Promise<void> {
  while (!done()) {
    await sampler.sample();
    await sleep(1_000);
  }
}

/** Submits one request at each planned offset (ms from the start). */
async function submit(
  cluster: ChaosCluster,
  timeline: Timeline,
  offsets: readonly number[],
): Promise<void> {
  for (const [i, at] of offsets.entries()) {
    await sleep(timeline.start + at - Date.now());
    const requestId = `c${cluster.config.seed.toString(36)}-${i}`;
    for (;;) {
      try {
        await cluster.client.execute(CHAOS_FLOW, { n: i }, { requestId });
        break;
      } catch {
        timeline.clientErrors += 1; // Redis down: executing again with the same id runs it once
        await sleep(250);
      }
    }
    timeline.requestIds.push(requestId);
  }
}

/** The command for a request in `status`, from one draw `r` (so the draws do not depend on timing). */
function commandFor(status: RequestStatus, r: number): Command | undefined {
  switch (status) {
    case 'pending':
    case 'running':
      return r < 0.6 ? 'pause' : 'stop';
    case 'paused':
      return r < 0.8 ? 'resume' : 'stop';
    case 'stopped':
    case 'failed':
      return 'rerun';
    case 'completed':
      return undefined;
  }
}

/** Command agents running at once. */
const AGENTS = 2;

/**
 * {@link AGENTS} agents, each picking a random unfinished request and sending it 3-8 commands 150-450 ms
 * apart (chosen from its status then), then the next request, until `until`.
 */
async function commands(
  cluster: ChaosCluster,
  timeline: Timeline,
  prng: Prng,
  until: number,
): Promise<void> {
  const completed = new Set<string>();
  const agent = async (): Promise<void> => {
    while (Date.now() < until) {
      const index = prng.next();
      const count = prng.int(3, 8);
      const candidates = timeline.requestIds.filter(
        (id) => !completed.has(id) && !timeline.watched.has(id),
      );
      const requestId = candidates[Math.floor(index * candidates.length)];
      if (requestId === undefined) {
        await sleep(200);
        continue;
      }
      for (let i = 0; i < count && Date.now() < until; i++) {
        await sleep(prng.int(150, 450));
        const r = prng.next();
        const state = await cluster.client.state(CHAOS_FLOW, requestId).catch(() => undefined);
        if (timeline.watched.has(requestId)) break; // a fault hit it: let it recover undisturbed
        if (state === undefined) {
          timeline.clientErrors += 1;
          continue;
        }
        const command = commandFor(state.status, r);
        if (command === undefined) {
          completed.add(requestId);
          break;
        }
        const at = Date.now();
        const ok = await send(cluster, requestId, command);
        timeline.commands.push({ at, doneAt: Date.now(), requestId, command, ok });
      }
    }
  };
  await Promise.all(Array.from({ length: AGENTS }, agent));
}

/** Sends one command; false when the engine refused it. */
export async function send(
  cluster: ChaosCluster,
  requestId: string,
  command: Command,
): Promise<boolean> {
  try {
    await cluster.client[command](CHAOS_FLOW, requestId);
    return true;
  } catch {
    return false;
  }
}

const OPEN = new Set(['queued', 'running', 'retrying']);

/** Requests `running` now, with their open nodes (read directly; unreadable ones are left out). */
async function inFlight(
  cluster: ChaosCluster,
  timeline: Timeline,
): Promise<FaultRecord['inFlight']> {
  const running: FaultRecord['inFlight'][number][] = [];
  for (const requestId of timeline.requestIds) {
    const state = await cluster.client.state(CHAOS_FLOW, requestId).catch(() => undefined);
    if (state?.status !== 'running') continue;
    const open = Object.entries(state.nodes).filter(([, node]) => OPEN.has(node.status));
    const started: Record<string, number> = {};
    for (const [path, node] of open) {
      if (node.status === 'running' && node.startedAt !== undefined) started[path] = node.startedAt;
    }
    running.push({ requestId, nodes: open.map(([path]) => path), started });
  }
  return running;
}

/** Injects the planned faults, each at its offset, and records them. */
async function faults(
  cluster: ChaosCluster,
  timeline: Timeline,
  planned: readonly PlannedFault[],
  watchers: Watchers,
): Promise<void> {
  for (const { at, kind, victim, ms } of planned) {
    await sleep(timeline.start + at - Date.now());
    const running = await inFlight(cluster, timeline);
    for (const { requestId } of running) {
      timeline.watched.set(requestId, (timeline.watched.get(requestId) ?? 0) + 1);
    }
    const start = Date.now();
    let detail: string;
    let end: number;
    let pid: number | undefined;
    if (kind === 'kill') {
      pid = cluster.workers[victim]!.pid;
      await cluster.workers[victim]!.kill();
      end = Date.now();
      detail = `SIGKILL worker ${pid}`;
      await cluster.killWorker(victim); // already dead: respawns
    } else if (kind === 'restart') {
      await cluster.restartRedis(ms);
      end = Date.now();
      detail = `Redis kill -9, down ${ms} ms, restarted from AOF`;
    } else {
      await cluster.cut(ms);
      end = Date.now();
      detail = `connection cut ${ms} ms`;
    }
    const fault = {
      kind,
      start,
      end,
      detail,
      inFlight: running,
      ...(pid === undefined ? {} : { pid }),
    };
    timeline.faults.push(fault);
    watchers.set(
      fault,
      watchRecovery(cluster, timeline, fault, cluster.config.recoveryLimitMs + 15_000),
    );
  }
}
