import type { Keys } from '../format/keys.js';
import type { FlowPartitions } from '../queue/flow-partitions.js';
import type { NodeQueues } from '../queue/node-queues.js';
import type { PlanSource } from '../registry/plan-source.js';
import type { QueueCounts } from '../infra/metrics.js';
import type { FlowInfo } from '../types/types.js';

/**
 * Read now from Redis: the jobs waiting, active, delayed and failed in each flow queue (summed over
 * its partitions), and its live workers, labelled with the BullMQ queue's name.
 */
export async function queueGauges(
  flows: readonly FlowInfo[],
  plans: PlanSource,
  from: {
    readonly queues: NodeQueues;
    readonly partitions: FlowPartitions;
    readonly keys: Keys;
  },
): Promise<QueueCounts[]> {
  const counts: QueueCounts[] = [];
  for (const flow of flows) {
    const plan = await plans.get(flow.name);
    const partitions = await from.partitions.served(flow.name);
    for (const queue of new Set(['', ...Object.keys(flow.workers), ...plan.localQueues])) {
      const jobs: Record<string, number> = {};
      for (const partition of partitions) {
        const counted = await from.queues
          .queue(flow.name, queue, partition)
          .getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
        for (const [state, n] of Object.entries(counted)) jobs[state] = (jobs[state] ?? 0) + n;
      }
      counts.push({
        flow: flow.name,
        // The BullMQ queue's own name (`{flow}`, `{flow}.<queue>`), as bull-board and BullMQ show it;
        // partitions (`{flow~<count>.<i>.<n>}`) are summed under the unpartitioned name.
        queue: from.keys.queueName(flow.name, queue),
        jobs,
        workers: flow.workers[queue] ?? 0,
      });
    }
  }
  return counts;
}
