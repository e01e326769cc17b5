import { randomUUID } from 'node:crypto';
import { DagflowError, ErrorCode, type Handler } from '@dagflow/flow';
import { announceLookbacks } from '../step/wait-step.js';
import type { ClientConfig } from '../../config/client-config.js';
import type { WorkerConfig } from '../../config/worker-config.js';
import type { Logger } from '../../infra/logger.js';
import { Metrics } from '../../infra/metrics.js';
import { type PlanSource, loadPublished, planFrom } from '../../registry/plan-source.js';
import type { PlanLimits } from '../../plan/compile.js';
import type { FlowPlan } from '../../plan/flow-plan.js';
import type { FlowOrigin } from '../../registry/registry.js';
import { assertRedisAccess } from '../../infra/redis-connection.js';
import { type ServiceResources, sleep } from '../../resources/service-resources.js';
import { RequestField } from '../../format/layout.js';
import { ChunkWriter } from '../../store/chunk-writes.js';
import { wakeParent } from '../../client/child-links.js';
import type { ChildRequests, ExecutorDeps } from '../step/executor-deps.js';
import { executeRequest } from '../../client/start/request-start.js';
import { HeldRequests } from './held-requests.js';
import { RequestListening } from './request-listening.js';
import { RunningAttempts } from '../step/running-attempts.js';
import { WorkerPool } from './worker-pool.js';

/** What a service's workers are made of. */
export interface ServingParts {
  readonly res: ServiceResources;
  readonly plans: PlanSource;
  /** The client and worker parts of the configuration, read when the workers start. */
  readonly options: () => ClientConfig & WorkerConfig;
  readonly log: Logger;
  readonly limits: () => PlanLimits;
  readonly originOf: (flow: string) => FlowOrigin;
  /** The service's client side, for child-flow nodes. */
  readonly children: ChildRequests;
  /** Stops a live request with the engine's reason (a deadline); see `ExecutorDeps.stopWith`. */
  readonly stopWith: ExecutorDeps['stopWith'];
}

/**
 * The worker side of a service: serves the queues of the flows registered here and of the nodes
 * handled here (`FlowService.handle`), and keeps this process's running attempts, held requests and
 * counters.
 */
export class FlowServing {
  readonly running = new RunningAttempts();
  readonly metrics = new Metrics();
  readonly #held = new HeldRequests();
  /** The requests whose jobs run here: a stop aborts their handlers, a pause holds their next steps. */
  #listening: RequestListening | undefined;
  readonly #handled = new Map<string, Map<string, Handler<never, unknown>>>();
  readonly #workerId = randomUUID();
  #pool: WorkerPool | undefined;
  #working = false;
  #closed = false;

  constructor(private readonly parts: ServingParts) {}

  /** Starts workers for every flow registered here and every node handled here; once. */
  async start(): Promise<void> {
    if (this.#working) return;
    this.#working = true;
    const { res, plans } = this.parts;
    try {
      await res.redis.ping();
      await assertRedisAccess(res.redis);
    } catch (error) {
      // Not started: flows registered later must not get workers on a connection that cannot serve them.
      this.#working = false;
      throw error;
    }
    await Promise.all(plans.local.map((plan) => this.serveLocal(plan)));
    for (const [flow, handlers] of this.#handled) void this.#serveHandled(flow, handlers);
  }

  /** Publishes a flow registered here and serves its own queue and the queues of its local handlers. */
  async serveLocal(plan: FlowPlan): Promise<void> {
    const current = await this.parts.res.registry.publish(plan, this.parts.originOf(plan.name));
    if (!current)
      this.parts.log.warn('flow version published, not made current: an older definition', {
        flow: plan.name,
        version: plan.version,
        ...(plan.hooks.revision === undefined ? {} : { revision: plan.hooks.revision }),
      });
    await announceLookbacks(this.parts.res.events, plan);
    await this.#workerPool().serve(plan, plan.localQueues, (version) =>
      this.parts.plans.version(plan.name, version),
    );
  }

  /** Runs `handler` for one node of a flow another process registered; see `FlowService.handle`. */
  handle(flow: string, node: string, handler: Handler<never, unknown>): void {
    const handlers = this.#handled.get(flow) ?? new Map<string, Handler<never, unknown>>();
    handlers.set(node, handler);
    this.#handled.set(flow, handlers);
    if (this.#working) void this.#serveHandled(flow, handlers);
  }

  /** Serves a flow just registered here, once the workers run. */
  added(plan: FlowPlan): void {
    if (!this.#working) return;
    this.serveLocal(plan).catch((error: unknown) =>
      this.parts.log.error('could not start a flow worker', {
        flow: plan.name,
        error: String(error),
      }),
    );
  }

  /** Publishes a run-time change of a flow registered here, once the workers run. */
  changed(plan: FlowPlan, from: string): void {
    const { res, log, originOf } = this.parts;
    if (this.#working) {
      res.registry
        .publish(plan, originOf(plan.name), true)
        .catch((error: unknown) =>
          log.error('could not publish a flow change', { flow: plan.name, error: String(error) }),
        );
    }
    log.info('flow changed', { flow: plan.name, from, to: plan.version });
  }

  /** Stops the workers: running nodes get `drainMs` to finish. */
  async close(drainMs: number): Promise<void> {
    this.#closed = true;
    await this.#pool?.close(drainMs);
  }

  /** Waits for a flow's definition in the registry, then serves the queues of the nodes handled here. */
  async #serveHandled(
    flow: string,
    handlers: ReadonlyMap<string, Handler<never, unknown>>,
  ): Promise<void> {
    while (!this.#closed) {
      const published = await this.parts.res.registry.load(flow).catch(() => undefined);
      if (published !== undefined) {
        const plan = planFrom(published, handlers, this.parts.limits());
        const queues = [...handlers.keys()].map((node) => {
          const queue = plan.queueOfNode(node);
          if (queue === undefined) {
            throw new DagflowError(
              ErrorCode.INVALID_CONFIG,
              `Node '${node}' of flow '${flow}' names no queue, so only the flow's own workers run it; give it one (dag.remote('${node}', 'some-queue')) to handle it elsewhere.`,
            );
          }
          return queue;
        });
        const versions = new Map<string, Promise<FlowPlan>>([
          [plan.version, Promise.resolve(plan)],
        ]);
        await this.#workerPool().serve(plan, [...new Set(queues)], (version) => {
          const known = versions.get(version) ?? this.#handledVersion(flow, version, handlers);
          versions.set(version, known);
          return known;
        });
        this.parts.log.info('serving handled nodes', {
          flow,
          nodes: [...handlers.keys()],
          version: plan.version,
        });
        return;
      }
      await sleep(500);
    }
  }

  /** Another published version of a flow whose nodes this process handles, with its handlers. */
  async #handledVersion(
    flow: string,
    version: string,
    handlers: ReadonlyMap<string, Handler<never, unknown>>,
  ): Promise<FlowPlan> {
    const published = await loadPublished(this.parts.res.registry, flow, version);
    return planFrom(published, handlers, this.parts.limits());
  }

  #requestListening(): RequestListening {
    const { res } = this.parts;
    this.#listening ??= new RequestListening(
      res.subscriptions,
      res.keys,
      (key, status) => {
        this.#held.update(key, status);
        if (status === 'stopped') this.running.abort(key);
      },
      async (flow, requestId) =>
        (await res.redis.hget(res.keys.request(flow, requestId).state, RequestField.status)) ??
        undefined,
    );
    return this.#listening;
  }

  #workerPool(): WorkerPool {
    const { res, log } = this.parts;
    const options = this.parts.options();
    this.#pool ??= new WorkerPool({
      executor: {
        redis: res.redis,
        keys: res.keys,
        store: res.steps,
        queues: res.queues,
        log,
        running: this.running,
        logs: res.logs,
        chunks: new ChunkWriter(res.redis, res.keys, options),
        subscriptions: res.subscriptions,
        maxOutputBytes: options.maxOutputBytes,
        isHeld: (key: string) => this.#held.has(key),
        isListened: (key: string) => this.#requestListening().isLive(key),
        heldMarks: (key: string) => this.#held.marks(key),
        metrics: this.metrics,
        ended: (flow, ending) => this.metrics.requestEnded(flow, ending),
        waits: res.waits,
        events: res.events,
        children: this.parts.children,
        wakeParent: (flow, requestId, parent) =>
          wakeParent(res, this.parts.plans, { flow, requestId }, parent),
        execute: (plan, input, opts) => executeRequest(res, plan, input, opts),
        stopWith: this.parts.stopWith,
        debounce: res.debounce,
        slots: res.slots,
        stepCache: res.stepCache,
        capability: res.capability,
        stepUnavailableTimeoutMs: options.stepUnavailableTimeoutMs,
        signing: options.signing,
      },
      options,
      listening: this.#requestListening(),
      registry: res.registry,
      workerId: this.#workerId,
      directory: res.directory,
      partitions: res.partitions,
    });
    return this.#pool;
  }
}
