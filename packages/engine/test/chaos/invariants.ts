import type { RequestState } from '@dagflow/engine';
import { isDeepStrictEqual } from 'node:util';
import { CHAOS_FLOW } from '../fixtures/chaos-flow.mjs';
import type { RunEvent } from '../fixtures/run-log.mjs';
import type { ChaosCluster } from './cluster.js';
import type { FaultRecord, Timeline } from './timeline.js';

/** One broken invariant. */
export interface Violation {
  readonly invariant: string;
  readonly requestId?: string;
  readonly node?: string;
  readonly detail: string;
}

/** What the checks read of one request after the run. */
export interface RequestFacts {
  readonly requestId: string;
  readonly state: RequestState | undefined;
  readonly result: unknown;
  /** Accepted (stored) outputs of the top-level vertices. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Its handler runs, by start time. */
  readonly runs: readonly RunEvent[];
}

/** Top-level vertices whose stored outputs the checks compare with what successors received. */
const VERTICES = ['start', 'a', 'b', 'audit', 'join', 'each', 'route', 'end'] as const;

const tagOf = (value: unknown): unknown => (value as { tag?: unknown } | undefined)?.tag;

/** Reads the state, result, stored outputs and runs of every request. */
export async function gatherFacts(
  cluster: ChaosCluster,
  requestIds: readonly string[],
  runs: readonly RunEvent[],
): Promise<RequestFacts[]> {
  const facts: RequestFacts[] = [];
  for (const requestId of requestIds) {
    const state = await cluster.client.state(CHAOS_FLOW, requestId).catch(() => undefined);
    const outputs: Record<string, unknown> = {};
    for (const vertex of VERTICES) {
      const detail = await cluster.client
        .nodeDetail(CHAOS_FLOW, requestId, vertex)
        .catch(() => undefined);
      if (detail !== undefined && 'output' in detail) outputs[vertex] = detail.output;
    }
    const result =
      state?.status === 'completed'
        ? await cluster.client.result(CHAOS_FLOW, requestId)
        : undefined;
    const own = runs.filter((run) => run.r === requestId).sort((x, y) => x.s - y.s);
    facts.push({ requestId, state, result, outputs, runs: own });
  }
  return facts;
}

/**
 * The parent output a run of `node` must have received, as `[parent, expected, got]` pairs: each run's
 * input has to come from its parents' accepted outputs, never from a discarded attempt.
 */
function expectedInputs(
  node: string,
  input: Partial<Record<string, unknown>> | undefined,
  out: Readonly<Record<string, unknown>>,
): readonly (readonly [string, unknown, unknown])[] {
  if (node === 'a' || node === 'b' || node === 'audit') return [['start', out['start'], input]];
  if (node === 'join') {
    return [
      ['a', out['a'], input?.['a']],
      ['b', out['b'], input?.['b']],
    ];
  }
  if (/^each\[[^\]]*\]\/item$/.test(node)) return [['join', tagOf(out['join']), input?.['join']]];
  if (node === 'route/hi/hi' || node === 'route/lo/lo') return [['each', out['each'], input]];
  if (node === 'end') return [['route', out['route'], input]];
  return [];
}

/** Invariants 1-3 for one request (terminal, released once from accepted outputs, result). */
export function checkRequest(facts: RequestFacts, timeline: Timeline): Violation[] {
  const { requestId, state, result, outputs, runs } = facts;
  const found: Violation[] = [];
  const add = (invariant: string, detail: string, node?: string) =>
    found.push({ invariant, requestId, ...(node === undefined ? {} : { node }), detail });
  if (state?.status !== 'completed') {
    const open = Object.entries(state?.nodes ?? {})
      .filter(([, node]) => node.status !== 'completed')
      .map(([path, node]) => `${path}=${node.status}`);
    add(
      '1 terminal',
      `status ${state?.status ?? 'unreadable'}; unfinished nodes: ${open.join(', ') || 'none'}`,
    );
  } else {
    if (!isDeepStrictEqual(result, outputs['end'])) {
      add(
        '3 result = terminal output',
        `result ${JSON.stringify(result)} != stored end output ${JSON.stringify(outputs['end'])}`,
        'end',
      );
    }
    if (
      !runs.some((run) => run.n === 'end' && 'out' in run && isDeepStrictEqual(run.out, result))
    ) {
      add(
        '2 result from an end run',
        `no run of 'end' returned the result ${JSON.stringify(result)}`,
        'end',
      );
    }
    for (const run of runs) {
      if (run.s > (state.finishedAt ?? Infinity)) {
        add(
          '2 no run after completion',
          `${describe(run)} started ${run.s - state.finishedAt!} ms after the request completed`,
          run.n,
        );
      }
    }
  }
  for (const run of runs) {
    const input = run.in as Partial<Record<string, unknown>> | undefined;
    for (const parent of run.n === 'join' ? ['a', 'b'] : []) {
      if (input?.[parent] == null) {
        add('2 join saw all parents', `${describe(run)} got no '${parent}'`, 'join');
      }
    }
    for (const [parent, expected, got] of expectedInputs(run.n, input, outputs)) {
      if (expected === undefined) {
        add(
          '2 released from accepted output',
          `${describe(run)} ran but parent '${parent}' has no stored output`,
          run.n,
        );
      } else if (!isDeepStrictEqual(expected, got)) {
        add(
          '2 released from accepted output',
          `${describe(run)} got ${parent} output ${JSON.stringify(got)}, but the accepted one is ${JSON.stringify(expected)} (a discarded attempt released it)`,
          run.n,
        );
      }
    }
  }
  found.push(...unexplainedRepeats(facts, timeline));
  return found;
}

function describe(run: RunEvent): string {
  return `run of '${run.n}' (attempt ${run.att}, pid ${run.pid}, ${run.e - run.s} ms)`;
}

/** Extra successful runs of each node of one request. */
export function repeatsOf(facts: RequestFacts): { node: string; runs: RunEvent[] }[] {
  const byNode = new Map<string, RunEvent[]>();
  for (const run of facts.runs) {
    if (!('out' in run)) continue;
    byNode.set(run.n, [...(byNode.get(run.n) ?? []), run]);
  }
  return [...byNode].filter(([, runs]) => runs.length > 1).map(([node, runs]) => ({ node, runs }));
}

/** How long a published stop may take to reach a worker (pub/sub on a loaded 2-core machine). */
const STOP_PROPAGATION_MS = 250;

/**
 * Whether something other than a double release explains two returned runs of one node: a stop of the
 * request while the first ran, a kill of the first run's worker after it returned (its completion was lost),
 * a deploy's stop of the first run's worker (SIGTERM; a run that outlasts the drain is cut off like a
 * kill), or a Redis restart or a cut that overlapped the first run (its lock or completion was lost).
 */
function explained(
  pair: readonly [RunEvent, RunEvent],
  requestId: string,
  timeline: Timeline,
): boolean {
  const [first, second] = pair;
  // The stop must have hit the first run while it ran (a successor released later is not excused), or
  // just before it started: a job handed its input starts without reading Redis, and a worker learns
  // of a stop when it is published (README, Delivery semantics), within this window.
  const stopped = timeline.commands.some(
    (c) =>
      c.ok &&
      c.command === 'stop' &&
      c.requestId === requestId &&
      c.doneAt >= first.s - STOP_PROPAGATION_MS &&
      c.at <= first.e &&
      c.at <= second.s,
  );
  const fault = timeline.faults.some((f) =>
    f.kind === 'kill' || f.kind === 'deploy' ? stoppedWorker(f, pair) : overlapped(f, pair),
  );
  return stopped || fault;
}

/** A kill, or a deploy's stop, of the first run's worker after that run began and before the second. */
export function stoppedWorker(
  f: FaultRecord,
  [first, second]: readonly [RunEvent, RunEvent],
): boolean {
  // A worker stopped by a deploy runs until it exits (`end`); a killed one, until the kill (`start`).
  const last = f.kind === 'deploy' ? f.end : f.start;
  return f.pid === first.pid && last >= first.s && f.start <= second.s;
}

/** A Redis restart or a cut that overlapped the first run (or ended just before it). */
function overlapped(f: FaultRecord, [first, second]: readonly [RunEvent, RunEvent]): boolean {
  return f.start <= second.s && f.end >= first.s - 1_000;
}

/**
 * A node that returned twice with no fault or stop to explain it was released twice (at-least-once
 * allows repeats only after a crash, an outage or a stop).
 */
function unexplainedRepeats(facts: RequestFacts, timeline: Timeline): Violation[] {
  const found: Violation[] = [];
  for (const { node, runs } of repeatsOf(facts)) {
    for (let i = 1; i < runs.length; i++) {
      const pair = [runs[i - 1]!, runs[i]!] as const;
      if (explained(pair, facts.requestId, timeline)) continue;
      found.push({
        invariant: '2 no successor released twice',
        requestId: facts.requestId,
        node,
        detail: `${describe(pair[0])} and ${describe(pair[1])} both returned, ${pair[1].s - pair[0].s} ms apart, with no fault or stop to explain it; ${historyOf(facts, timeline, pair[0].s)}`,
      });
    }
  }
  return found;
}

/** The request's commands and node runs relative to `t0` (ms), to tell what led to a violation. */
function historyOf(facts: RequestFacts, timeline: Timeline, t0: number): string {
  const commands = timeline.commands
    .filter((c) => c.requestId === facts.requestId)
    .map((c) => `${c.command}${c.ok ? '' : '(refused)'}@${c.at - t0}..${c.doneAt - t0}`);
  const runs = facts.runs.map((r) => `${r.n}#${r.att}@${r.s - t0}..${r.e - t0}/${r.pid}`);
  return `commands [${commands.join(' ')}] runs [${runs.join(' ')}]`;
}
