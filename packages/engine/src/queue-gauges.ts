import type { NodeQueues } from './node-queues.js';
import type { PlanSource } from './plan-source.js';
import type { QueueCounts } from './metrics.js';
import type { FlowInfo } from './types.js';

/** Read now from Redis: the jobs waiting, active, delayed and failed in each flow queue, and its live workers. */
export async function queueGauges(
  flows: readonly FlowInfo[],
  plans: PlanSource,
  queues: NodeQueues,
): Promise<QueueCounts[]> {
  const counts: QueueCounts[] = [];
  for (const flow of flows) {
    const plan = await plans.get(flow.name);
    for (const queue of new Set(['', ...Object.keys(flow.workers), ...plan.localQueues])) {
      const jobs = await queues
        .queue(flow.name, queue)
        .getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      counts.push({
        flow: flow.name,
        queue: queue === '' ? flow.name : queue,
        jobs,
        workers: flow.workers[queue] ?? 0,
      });
    }
  }
  return counts;
}
