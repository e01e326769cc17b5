import { describeConcurrency } from '../queue/concurrency-keys.js';
import { describeFairness } from '../queue/fair-options.js';
import type { PlanSource } from '../registry/plan-source.js';
import type { Registry } from '../registry/registry.js';
import type { FlowInfo } from '../types/types.js';

/**
 * Every flow registered in this process or published to the registry by others, with the live
 * workers of each of its queues (`''`: the flow's own queue) and of each node.
 */
export async function listFlows(registry: Registry, plans: PlanSource): Promise<FlowInfo[]> {
  const published = await registry.list();
  const names = [
    ...new Set([...plans.local.map((plan) => plan.name), ...published.map((flow) => flow.name)]),
  ].sort();
  return Promise.all(
    names.map(async (name) => {
      const plan = await plans.get(name);
      const workers = await registry.liveWorkers(name);
      const nodeWorkers = Object.fromEntries(
        plan.staticPaths.map((path) => [path, workers[plan.queueOfNode(path) ?? ''] ?? 0]),
      );
      const { inputSchema } = plan.description;
      const concurrency = plans.hasLocal(name)
        ? describeConcurrency(plan)
        : published.find((flow) => flow.name === name)?.concurrency;
      const fairness = plans.hasLocal(name)
        ? describeFairness(plan)
        : published.find((flow) => flow.name === name)?.fairness;
      return {
        name,
        version: plan.version,
        nodes: plan.staticPaths.length,
        workers,
        nodeWorkers,
        ...(inputSchema === undefined ? {} : { inputSchema }),
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(fairness === undefined ? {} : { fairness }),
      };
    }),
  );
}
