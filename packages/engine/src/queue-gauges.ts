import type { NodeQueues } from './node-queues.js';
import type { PlanSource } from './plan-source.js';
import type { Gauge } from './metrics.js';
import type { FlowInfo } from './types.js';

/** Read now from Redis: the jobs waiting, active and delayed in each flow queue, and its live workers. */
export async function queueGauges(
  flows: readonly FlowInfo[],
  plans: PlanSource,
  queues: NodeQueues,
): Promise<Gauge[]> {
  const gauges: Gauge[] = [];
  for (const flow of flows) {
    const plan = await plans.get(flow.name);
    for (const queue of new Set(['', ...Object.keys(flow.workers), ...plan.localQueues])) {
      const counts = await queues
        .queue(flow.name, queue)
        .getJobCounts('waiting', 'prioritized', 'active', 'delayed');
      const labels = { flow: flow.name, queue: queue === '' ? flow.name : queue };
      for (const [state, value] of Object.entries(counts)) {
        gauges.push({
          name: 'dagflow_queue_jobs',
          help: 'Jobs in a flow queue, by state.',
          labels: { ...labels, state },
          value,
        });
      }
      gauges.push({
        name: 'dagflow_workers',
        help: 'Live workers serving a flow queue.',
        labels,
        value: flow.workers[queue] ?? 0,
      });
    }
  }
  return gauges;
}
