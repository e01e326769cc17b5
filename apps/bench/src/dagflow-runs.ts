import { FlowService } from '@dagflow/engine';
import { timed } from './stats.js';

const noop = (input: unknown): unknown => input;

/** A service with the benchmark flows, its worker started. */
export async function benchService(redisUrl: string, concurrency: number): Promise<FlowService> {
  const service = new FlowService({
    redisUrl,
    prefix: `bench-dag-${Date.now()}`,
    workerConcurrency: concurrency,
    logLevel: 'warn',
  });
  service.register('single', (dag) => dag.node('only', noop));
  service.register('diamond', (dag) => {
    dag.node('A', noop).node('B', noop).node('C', noop).node('D', noop);
    dag.edge('A', 'B').edge('A', 'C').edge('B', 'D').edge('C', 'D');
  });
  service.register('chain', (dag) => {
    for (let i = 0; i < 50; i++) dag.node(`n${i}`, noop);
    for (let i = 1; i < 50; i++) dag.edge(`n${i - 1}`, `n${i}`);
  });
  service.register('fanout', (dag) => {
    dag
      .forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), i])),
      )
      .node('item', noop);
  });
  await service.startWorker();
  return service;
}

/** Executes `count` requests of `flow` (in parallel chunks) and waits for all; answers the elapsed ms. */
export function runRequests(service: FlowService, flow: string, count: number): Promise<number> {
  return timed(async () => {
    const waits: Promise<unknown>[] = [];
    for (let i = 0; i < count; i += 250) {
      const ids = await Promise.all(
        Array.from({ length: Math.min(250, count - i) }, (_, j) => service.execute(flow, i + j)),
      );
      waits.push(...ids.map((id) => service.waitForResult(flow, id, { timeoutMs: 120_000 })));
    }
    await Promise.all(waits);
  });
}

/** Per-hop ms of the 50-node chain, one request at a time, from the request's own timings. */
export async function chainHops(service: FlowService, runs: number): Promise<number[]> {
  const perHop: number[] = [];
  for (let run = 0; run < runs; run++) {
    const elapsed = await timed(async () => {
      const id = await service.execute('chain', run);
      await service.waitForResult('chain', id);
    });
    perHop.push(elapsed / 50);
  }
  return perHop;
}

/** One for-each request of `items` items with a no-op body; answers the elapsed ms. */
export function fanout(service: FlowService, items: number): Promise<number> {
  return timed(async () => {
    const id = await service.execute('fanout', items);
    await service.waitForResult('fanout', id, { timeoutMs: 300_000 });
  });
}
