/**
 * The fair shape (T3-8): what fair scheduling (`fairness`) costs per node. Three 1-node no-op flows on
 * one dagflow process, measured in the same round: the plain queue, fairness with every request of one
 * key (the scheduler's whole cost, none of its benefit), and today's per-key concurrency with one key
 * and a limit no load reaches. The driver executes through a `FlowService` that registered them (a
 * fair flow's key is computed where the request is created).
 */
import { FlowService } from '@dagflow/engine';
import { timed } from '../stats.js';
import { engineConnection } from '../target.js';
import type { BenchConfig } from '../config.js';
import type { LoadContext } from './shape.js';

/** The flows of the fair shape. */
export type FairFlow = 'fair-plain' | 'fair-one' | 'fair-keyed';

/** The flow each measurement of the fair shape executes. */
export const FAIR_FLOWS = {
  'fair-plain': 'fair-plain',
  fair: 'fair-one',
  'fair-keyed': 'fair-keyed',
} as const satisfies Record<string, FairFlow>;

const noop = (input: unknown): unknown => input;
const WAIT_MS = 300_000;

/** Registers the fair shape's flows (worker processes and the driver alike). */
export function registerFairFlows(service: FlowService): void {
  service.register('fair-plain', (dag) => dag.node('only', noop));
  service.register('fair-one', (dag) => dag.node('only', noop), {
    fairness: { key: () => 'one' },
  });
  service.register('fair-keyed', (dag) => dag.node('only', noop), {
    concurrency: { key: () => 'one', limit: 100_000 },
  });
}

/**
 * Executes `count` requests of `flow` (250 at a time, without waiting between chunks) and waits for
 * every result.
 */
export async function fairRequests(
  ctx: LoadContext,
  flow: FairFlow,
  count: number,
): Promise<{ readonly ms: number; readonly nodes: number }> {
  const service = new FlowService({
    ...engineConnection(ctx.target),
    prefix: ctx.prefix,
    logLevel: 'warn',
  });
  registerFairFlows(service);
  try {
    const ms = await timed(async () => {
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < count; i += 250) {
        const ids = await Promise.all(
          Array.from({ length: Math.min(250, count - i) }, (_, j) =>
            service.execute(flow, i + j, { willWait: true }),
          ),
        );
        waits.push(...ids.map((id) => service.waitForResult(flow, id, { timeoutMs: WAIT_MS })));
      }
      await Promise.all(waits);
    });
    return { ms, nodes: count };
  } finally {
    await service.close();
  }
}

/**
 * The fair shape's measurements: its three flows on one dagflow process of their own, one after the
 * other in each round, `throughputNodes` requests each.
 */
export function fairMeasurements() {
  return (['fair-plain', 'fair', 'fair-keyed'] as const).map((id) => ({
    id,
    shape: 'fair' as const,
    workers: [{ process: 'dagflow-fair', system: 'dagflow', flows: 'fair' }] as const,
    nodes: (c: BenchConfig) => c.throughputNodes,
    terminalBatch: () => 1,
    run: (ctx: LoadContext, c: BenchConfig) => fairRequests(ctx, FAIR_FLOWS[id], c.throughputNodes),
  }));
}
