/**
 * dagflow through its public API: a worker process runs a `FlowService` with `startWorker()`; the
 * driver starts requests with a `FlowClient` (`willWait`: a wait follows) and waits for each result
 * with `waitForResult`.
 */
import { FlowClient, FlowService } from '@dagflow/engine';
import { timed } from '../stats.js';
import { engineConnection } from '../target.js';
import type { FlowSet, StartSpec } from '../protocol.js';
import { CHAIN_HOPS, type LoadContext, type Served } from './shape.js';
import { registerStreamFlow } from './stream-flow.js';
import { registerFairFlows } from './fair-shape.js';

/** The flows the bench executes, by name. */
export type BenchFlow = 'fanin' | 'diamond' | 'single' | 'chain' | 'foreach';

/** Nodes of one request of each fixed-size flow. */
export const FLOW_NODES = { fanin: 4, diamond: 4, single: 1 } as const;

const noop = (input: unknown): unknown => input;
const WAIT_MS = 300_000;

/**
 * Registers a flow set (see {@link FlowSet}) on `service`: the bench's shapes, the HTTP row's `one`, or
 * the idle processes' `other`. Every process of a service registers the same code, servers included.
 */
export function registerFlows(service: FlowService, flows: FlowSet = 'bench'): void {
  if (flows === 'http') {
    service.register('one', (dag) => dag.node('only', noop));
    return;
  }
  if (flows === 'idle') {
    service.register('other', (dag) => dag.node('only', noop));
    return;
  }
  if (flows === 'fair') {
    registerFairFlows(service);
    return;
  }
  service.register('fanin', (dag) => {
    dag.node('r1', noop).node('r2', noop).node('r3', noop).node('join', noop);
    dag.edge('r1', 'join').edge('r2', 'join').edge('r3', 'join');
  });
  service.register('diamond', (dag) => {
    dag.node('A', noop).node('B', noop).node('C', noop).node('D', noop);
    dag.edge('A', 'B').edge('A', 'C').edge('B', 'D').edge('C', 'D');
  });
  service.register('single', (dag) => dag.node('only', noop));
  service.register('chain', (dag) => {
    for (let i = 0; i < CHAIN_HOPS; i++) dag.node(`n${i}`, noop);
    for (let i = 1; i < CHAIN_HOPS; i++) dag.edge(`n${i - 1}`, `n${i}`);
  });
  service.register('foreach', (dag) => {
    dag
      .forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), i])),
      )
      .node('item', noop);
  });
  registerStreamFlow(service);
}

/** Worker side: a FlowService with the spec's flows (the bench's by default), its worker started. */
export async function serveDagflow(spec: StartSpec): Promise<Served> {
  const service = new FlowService({
    ...engineConnection(spec.target),
    prefix: spec.prefix,
    workerConcurrency: spec.concurrency,
    logLevel: 'warn',
  });
  registerFlows(service, spec.flows);
  await service.startWorker();
  return { close: () => service.close() };
}

/** The driver's client for one measurement's prefix; close it after. */
export function benchClient(ctx: Pick<LoadContext, 'target' | 'prefix'>): FlowClient {
  return new FlowClient({ ...engineConnection(ctx.target), prefix: ctx.prefix, logLevel: 'warn' });
}

/**
 * Executes `count` requests of `flow` (250 at a time, without waiting between chunks) and waits for
 * every result; answers the elapsed ms.
 */
export function runRequests(client: FlowClient, flow: BenchFlow, count: number): Promise<number> {
  return timed(async () => {
    const waits: Promise<unknown>[] = [];
    for (let i = 0; i < count; i += 250) {
      const ids = await Promise.all(
        Array.from({ length: Math.min(250, count - i) }, (_, j) =>
          client.execute(flow, i + j, { willWait: true }),
        ),
      );
      waits.push(...ids.map((id) => client.waitForResult(flow, id, { timeoutMs: WAIT_MS })));
    }
    await Promise.all(waits);
  });
}

/** Per-hop ms of `runs` chain requests, one after the other. */
export async function chainHops(client: FlowClient, runs: number): Promise<number[]> {
  const perHop: number[] = [];
  for (let run = 0; run < runs; run++) {
    const ms = await timed(async () => {
      const id = await client.execute('chain', run, { willWait: true });
      await client.waitForResult('chain', id, { timeoutMs: WAIT_MS });
    });
    perHop.push(ms / CHAIN_HOPS);
  }
  return perHop;
}

/** One for-each request of `items` no-op items; answers the elapsed ms. */
export function forEach(client: FlowClient, items: number): Promise<number> {
  return timed(async () => {
    const id = await client.execute('foreach', items, { willWait: true });
    await client.waitForResult('foreach', id, { timeoutMs: WAIT_MS });
  });
}

/** One request of `flow` and its result (`execute` + `waitForResult`), as a function of its input. */
export function requestReply(
  client: FlowClient,
  flow: BenchFlow,
): (input: number) => Promise<unknown> {
  return async (input) => {
    const id = await client.execute(flow, input, { willWait: true });
    return client.waitForResult(flow, id, { timeoutMs: WAIT_MS });
  };
}
