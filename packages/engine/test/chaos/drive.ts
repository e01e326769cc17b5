import { CHAOS_FLOW } from '../fixtures/chaos-flow.mjs';
import type { ChaosCluster } from './cluster.js';
import { send } from './schedule.js';
import type { Timeline } from './timeline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reruns one request gets at most while driving. */
const MAX_RERUNS = 5;

/**
 * Drives every request to its end: resumes paused ones, reruns stopped and failed ones (at most
 * {@link MAX_RERUNS} times each), and waits, until all are `completed` or `timeoutMs` passed.
 * Answers the ids still unfinished.
 */
export async function driveToEnd(
  cluster: ChaosCluster,
  timeline: Timeline,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const reruns = new Map<string, number>();
  let open = [...timeline.requestIds];
  while (open.length > 0 && Date.now() < deadline) {
    const still: string[] = [];
    for (const requestId of open) {
      const state = await cluster.client.state(CHAOS_FLOW, requestId).catch(() => undefined);
      if (state?.status === 'completed') continue;
      still.push(requestId);
      const tries = reruns.get(requestId) ?? 0;
      const command =
        state?.status === 'paused'
          ? 'resume'
          : (state?.status === 'stopped' || state?.status === 'failed') && tries < MAX_RERUNS
            ? 'rerun'
            : undefined;
      if (command === undefined) continue;
      if (command === 'rerun') reruns.set(requestId, tries + 1);
      const at = Date.now();
      const ok = await send(cluster, requestId, command);
      timeline.commands.push({ at, doneAt: Date.now(), requestId, command, ok, drive: true });
    }
    open = still;
    if (open.length > 0) await sleep(500);
  }
  return open;
}
