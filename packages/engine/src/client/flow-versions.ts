import type { PlanSource } from '../registry/plan-source.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { START } from '../plan/paths.js';
import type { ServiceResources } from '../resources/service-resources.js';
import type { FlowVersionInfo } from '../types/version-types.js';
import { liveRequests } from '../registry/version-cap.js';

/**
 * Every published version of a flow, newest first, with its live requests and the live workers that can
 * run each of its nodes; see `FlowClient.versions`.
 */
export async function listVersions(
  res: ServiceResources,
  plans: PlanSource,
  flow: string,
): Promise<FlowVersionInfo[]> {
  const [published, current, capable, queues, live] = await Promise.all([
    res.registry.listVersions(flow),
    res.registry.current(flow),
    res.capability.counts(flow, true),
    res.registry.liveWorkers(flow),
    liveRequests(res.redis, res.keys, flow),
  ]);
  return Promise.all(
    published.map(async ({ version, publishedAt, ...published }) => {
      // A version made current again (a rollback) carries the revision it was made current with.
      const revision = version === current?.version ? current.revision : published.revision;
      const plan = await plans.described(flow, version);
      const nodeWorkers = Object.fromEntries(
        plan.staticPaths.map((path) => [path, workersFor(plan, path, { capable, queues })]),
      );
      const requests = live.get(version) ?? { pending: 0, running: 0, paused: 0 };
      return {
        version,
        current: version === current?.version,
        ...(revision === undefined ? {} : { revision }),
        publishedAt,
        requests,
        nodeWorkers,
        unavailable: Object.keys(nodeWorkers).filter((path) => nodeWorkers[path] === 0),
        drained: requests.pending + requests.running + requests.paused === 0,
      };
    }),
  );
}

/**
 * Live workers that can run the vertex at `path`: those announcing its code when it needs code, else
 * those serving its queue (a signal, sleep or child-flow node, a sub-DAG's start runs anywhere).
 */
function workersFor(
  plan: FlowPlan,
  path: string,
  live: {
    readonly capable: ReadonlyMap<string, number>;
    readonly queues: Readonly<Record<string, number>>;
  },
): number {
  const template = plan.hasStep(path) ? path : `${path}${START}`;
  if (plan.lacks(template)) return live.capable.get(template) ?? 0;
  return live.queues[plan.queueOfNode(path) ?? ''] ?? 0;
}
