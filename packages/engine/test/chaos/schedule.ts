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
        timeline.submittedAt.set(requestId, Date.now());
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

/** A fault as it ended: what `inject` records besides its start and the requests in flight. */
type FaultOutcome = Pick<FaultRecord, 'kind' | 'end' | 'detail' | 'pid' | 'code' | 'forced'>;

/**
 * Injects one fault with `act`: reads the requests in flight just before (commands leave them alone
 * while the fault's recovery is watched), records the fault and starts its recovery watcher.
 */
async function inject(
  cluster: ChaosCluster,
  timeline: Timeline,
  watchers: Watchers,
  act: () => Promise<FaultOutcome>,
): Promise<void> {
  const running = await inFlight(cluster, timeline);
  for (const { requestId } of running) {
    timeline.watched.set(requestId, (timeline.watched.get(requestId) ?? 0) + 1);
  }
  const start = Date.now();
  const outcome = await act();
  const fault: FaultRecord = { ...outcome, start, inFlight: running };
  timeline.faults.push(fault);
  watchers.set(
    fault,
    watchRecovery(cluster, timeline, fault, cluster.config.recoveryLimitMs + 15_000),
  );
}

/**
 * A rolling deploy onto the next code version: each worker in turn is stopped (SIGTERM, it finishes its
 * running nodes), then replaced by one on the new code; once that is ready and `dwellMs` passed (old and
 * new workers side by side, while new requests start on the new shape), the next. Each stop is a fault.
 */
async function deploy(
  cluster: ChaosCluster,
  timeline: Timeline,
  watchers: Watchers,
  dwellMs: number,
): Promise<void> {
  const code = cluster.nextCode();
  for (let i = 0; i < cluster.workers.length; i++) {
    if (i > 0) await sleep(dwellMs);
    await inject(cluster, timeline, watchers, async () => {
      const { pid, forced } = await cluster.stopWorker(i);
      const detail = `SIGTERM worker ${pid}, deploy of code ${code}${forced ? ' (SIGKILLed: did not exit)' : ''}`;
      return { kind: 'deploy', end: Date.now(), detail, pid, code, forced };
    });
    await cluster.startWorker(i);
  }
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
    if (kind === 'deploy') {
      await deploy(cluster, timeline, watchers, ms);
      continue;
    }
    await inject(cluster, timeline, watchers, async (): Promise<FaultOutcome> => {
      if (kind === 'kill') {
        const pid = cluster.workers[victim]!.pid;
        await cluster.workers[victim]!.kill();
        const end = Date.now();
        await cluster.killWorker(victim); // already dead: respawns
        return { kind, end, detail: `SIGKILL worker ${pid}`, pid };
      }
      if (kind === 'restart') {
        await cluster.restartRedis(ms);
        return {
          kind,
          end: Date.now(),
          detail: `Redis kill -9, down ${ms} ms, restarted from AOF`,
        };
      }
      await cluster.cut(ms);
      return { kind, end: Date.now(), detail: `connection cut ${ms} ms` };
    });
  }
}
