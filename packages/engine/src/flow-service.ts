import { randomUUID } from 'node:crypto';
import {
  type Dag,
  DagflowError,
  type DagDescription,
  Dag as DagClass,
  ErrorCode,
  type FlowDefinition,
  type Handler,
  type NodeOptions,
  withReplacedStep,
  withStep,
  withoutStep,
  type Operation,
  assertValidId,
  dagFromDefinition,
} from '@dagflow/flow';
import { AuditLog } from './audit-log.js';
import { encode } from './codec.js';
import { builtInOperations } from './worker/operations.js';
import {
  type FlowServiceOptions,
  type HttpHandle,
  type ResolvedOptions,
  resolveOptions,
} from './config.js';
import { PlanSource, planFrom } from './plan-source.js';
import type { PlanLimits } from './plan/compile.js';
import { FlowPlan } from './plan/flow-plan.js';
import { WorkerPool } from './worker/worker-pool.js';
import { Keys } from './store/keys.js';
import { createLogger, type Logger } from './logger.js';
import { nodeDetailOf } from './client/node-detail.js';
import {
  executeRequest,
  nodeOutputOf,
  planOfRequest,
  requestResult,
  requestState,
  waitForRequest,
} from './client/request-api.js';
import { type ControlDeps, controlRequest } from './client/request-control.js';
import type { ListRequestsOptions, RequestPage } from './client/request-index.js';
import type { FlowOrigin } from './registry.js';
import { ServiceResources, sleep } from './service-resources.js';
import { HeldRequests } from './worker/held-requests.js';
import { type Gauge, Metrics } from './metrics.js';
import { RunningAttempts } from './worker/running-attempts.js';
import type { ExecuteOptions, FlowInfo, FlowOptions, NodeDetail, RequestState } from './types.js';

/** A step's work in a run-time change: a handler, or a registered operation with its parameters. */
export interface StepChange {
  readonly handler?: Handler<never, unknown>;
  readonly op?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly options?: NodeOptions;
}

/** Options of {@link FlowService.rerun}. */
export interface RerunOptions {
  /** A new input for the nodes that failed, instead of their parents' outputs. */
  readonly input?: unknown;
}

/** Options of {@link FlowService.waitForResult}. */
export interface WaitOptions {
  /**
   * How long to wait before throwing `WAIT_TIMEOUT` (the request goes on).
   * @defaultValue 30 000 ms
   */
  readonly timeoutMs?: number;
}

/**
 * Registers flows, executes requests and runs their nodes on BullMQ workers.
 * Start it as HTTP server and worker (`start()`), worker only (`startWorker()`) or server only
 * (`startServer()`); scale out by starting more processes against the same Redis and prefix.
 *
 * @example
 * ```ts
 * const service = new FlowService({ http: httpApi() });
 * service.register('myflow', (dag) => dag.node('hello', (input: string) => `you said "${input}"`));
 * await service.start();
 * ```
 */
export class FlowService {
  readonly options: ResolvedOptions;
  readonly log: Logger;
  /** The audit log of registry changes made over the HTTP API (kept in Redis). */
  readonly auditLog: AuditLog;
  readonly #res: ServiceResources;
  readonly #plans = new PlanSource(
    () => this.#res.registry,
    () => this.#limits,
  );
  readonly #handled = new Map<string, Map<string, Handler<never, unknown>>>();
  readonly #workerId = randomUUID();
  readonly #running = new RunningAttempts();
  readonly #held = new HeldRequests();
  readonly #metrics = new Metrics();
  readonly #operations: Map<string, Operation>;
  /** How each flow registered here was defined; published with it. */
  readonly #origins = new Map<string, FlowOrigin>();
  #pool: WorkerPool | undefined;
  #http: HttpHandle | undefined;
  #working = false;
  #closing: Promise<void> | undefined;

  /** Reads configuration only; connections open on first use. */
  constructor(options: FlowServiceOptions = {}) {
    this.options = resolveOptions(options);
    this.log = createLogger(this.options.logLevel, { prefix: this.options.prefix });
    this.#res = new ServiceResources(this.options, new Keys(this.options.prefix), this.log);
    const res = this.#res;
    this.auditLog = new AuditLog(() => res.redis, res.keys.audit);
    this.#operations = builtInOperations({
      get redis() {
        return res.redis;
      },
      prefix: this.options.prefix,
      httpAllow: this.options.httpAllow,
      execute: (flow, input, options) => this.execute(flow, input, options),
      waitForResult: (flow, requestId, options) => this.waitForResult(flow, requestId, options),
    });
  }

  /**
   * Registers a flow: `define(dag)` is called once and the DAG is validated here.
   * @throws DagValidationError for invalid DAGs or names; `FLOW_ALREADY_REGISTERED` for a taken name;
   *   `INVALID_CONFIG` for an out-of-range concurrency or rate limit.
   */
  register(name: string, define: (dag: Dag) => void, options: FlowOptions = {}): this {
    assertFlowOptions(name, options);
    assertValidId(name, 'flow');
    if (this.#plans.hasLocal(name)) {
      throw new DagflowError(
        ErrorCode.FLOW_ALREADY_REGISTERED,
        `Flow '${name}' is already registered.`,
      );
    }
    const dag = new DagClass();
    define(dag);
    this.#origins.set(name, 'code');
    this.#addLocal(new FlowPlan(name, dag, options, { limits: this.#limits }));
    return this;
  }

  /**
   * Adds an operation that declarative flows can name in their nodes (`{ "op": name, "with": {...} }`).
   * Built in: `http`, `publish`, `flow` (see `operations.ts`).
   */
  operation(name: string, operation: Operation): this {
    assertValidId(name, 'node');
    this.#operations.set(name, operation);
    return this;
  }

  /**
   * Registers a flow defined as data (parsed JSON or YAML; see `docs/flow-definition.schema.json`), with
   * the same validation and errors as code-defined flows.
   * @throws DagValidationError `DEFINITION_INVALID`, `UNKNOWN_OPERATION`, or a DAG validation code;
   *   `FLOW_ALREADY_REGISTERED`
   */
  registerDefinition(definition: unknown, options: FlowOptions = {}): FlowInfo {
    const dag = dagFromDefinition(definition, this.#operations);
    const name = (definition as FlowDefinition).name;
    assertValidId(name, 'flow');
    if (this.#plans.hasLocal(name)) {
      throw new DagflowError(
        ErrorCode.FLOW_ALREADY_REGISTERED,
        `Flow '${name}' is already registered.`,
      );
    }
    const plan = new FlowPlan(name, dag, options, { limits: this.#limits });
    this.#origins.set(name, 'definition');
    this.#addLocal(plan);
    return {
      name,
      version: plan.version,
      nodes: plan.staticPaths.length,
      workers: {},
      nodeWorkers: {},
    };
  }

  /**
   * Adds a step to a flow registered here, while it runs (the seed's CreateStep): it runs after the
   * steps in `after` and before those in `before`. The change is validated like a registration and
   * makes a new version: requests run to their end on the version they started with.
   * @throws DagValidationError for a change that breaks the DAG; `FLOW_NOT_FOUND`; `UNKNOWN_OPERATION`
   */
  addStep(
    flow: string,
    step: StepChange & {
      readonly id: string;
      readonly after?: readonly string[];
      readonly before?: readonly string[];
    },
  ): FlowInfo {
    return this.#change(flow, `add ${step.id}`, (dag) =>
      withStep(dag, {
        id: step.id,
        handler: this.#handlerOf(step),
        ...(step.options === undefined ? {} : { options: step.options }),
        ...(step.after === undefined ? {} : { after: step.after }),
        ...(step.before === undefined ? {} : { before: step.before }),
      }),
    );
  }

  /** Removes a step of a flow registered here (DeleteStep); its parents are wired to its children. See {@link addStep}. */
  removeStep(flow: string, id: string): FlowInfo {
    return this.#change(flow, `remove ${id}`, (dag) => withoutStep(dag, id));
  }

  /** Gives a step of a flow registered here another handler or operation (ReplaceStep). See {@link addStep}. */
  replaceStep(flow: string, id: string, step: StepChange): FlowInfo {
    return this.#change(flow, `replace ${id}`, (dag) =>
      withReplacedStep(dag, id, this.#handlerOf(step), step.options),
    );
  }

  #change(flow: string, change: string, edit: (dag: Dag) => Dag): FlowInfo {
    this.#assertOpen();
    const current = this.#plans.localPlan(flow);
    const plan = new FlowPlan(flow, edit(current.dag), current.hooks, {
      changeOf: { version: current.version, change },
      limits: this.#limits,
    });
    this.#plans.addLocal(plan);
    if (this.#working) {
      this.#res.registry
        .publish(plan, this.#originOf(flow))
        .catch((error: unknown) =>
          this.log.error('could not publish a flow change', { flow, error: String(error) }),
        );
    }
    this.log.info('flow changed', { flow, from: current.version, to: plan.version });
    return {
      name: flow,
      version: plan.version,
      nodes: plan.staticPaths.length,
      workers: {},
      nodeWorkers: {},
    };
  }

  #originOf(flow: string): FlowOrigin {
    return this.#origins.get(flow) ?? 'code';
  }

  /**
   * How a flow was defined: `code` (`register()`, here or in another process), `definition`
   * (`registerDefinition()`, e.g. `POST /flows`), or `undefined` when no flow of that name exists.
   * The HTTP API refuses to replace or change a code-defined flow without an explicit `force`.
   */
  async flowOrigin(name: string): Promise<FlowOrigin | undefined> {
    if (this.#plans.hasLocal(name)) return this.#originOf(name);
    const published = await this.#res.registry.load(name);
    return published === undefined ? undefined : (published.origin ?? 'code');
  }

  #handlerOf(step: StepChange): Handler<never, unknown> {
    if (step.handler !== undefined) return step.handler;
    const name = step.op ?? '';
    const operation = this.#operations.get(name);
    if (operation === undefined) {
      throw new DagflowError(
        ErrorCode.UNKNOWN_OPERATION,
        `No operation named '${name}' is registered; known: ${[...this.#operations.keys()].join(', ')}.`,
      );
    }
    const params = step.with ?? {};
    return (input: unknown, ctx) => operation(input, params, ctx);
  }

  #addLocal(plan: FlowPlan): void {
    const name = plan.name;
    this.#plans.addLocal(plan);
    if (this.#working)
      void this.#serveLocal(plan).catch((error: unknown) =>
        this.log.error('could not start a flow worker', { flow: name, error: String(error) }),
      );
  }

  /**
   * Runs one node of a flow that another process registered (steps owned by services): once the flow's
   * definition is in the registry, `startWorker()` serves the node's queue with `handler`. The node must
   * name a `queue` (e.g. `dag.remote('face-match', 'faces')`).
   * @example
   * ```ts
   * new FlowService().handle('kyc', 'face-match', matchFace).startWorker();
   * ```
   */
  handle<I, O>(flow: string, node: string, handler: Handler<I, O>): this {
    assertValidId(flow, 'flow');
    const handlers = this.#handled.get(flow) ?? new Map<string, Handler<never, unknown>>();
    handlers.set(node, handler);
    this.#handled.set(flow, handlers);
    if (this.#working) void this.#serveHandled(flow, handlers);
    return this;
  }

  /**
   * Every flow registered in this process or published to the registry by others, with the live
   * workers of each of its queues (`''`: the flow's own queue).
   */
  async flows(): Promise<FlowInfo[]> {
    const registry = this.#res.registry;
    const published = await registry.list();
    const names = [
      ...new Set([
        ...this.#plans.local.map((plan) => plan.name),
        ...published.map((flow) => flow.name),
      ]),
    ].sort();
    return Promise.all(
      names.map(async (name) => {
        const plan = await this.#plans.get(name);
        const workers = await registry.liveWorkers(name);
        const nodeWorkers = Object.fromEntries(
          plan.staticPaths.map((path) => [path, workers[plan.queueOfNode(path) ?? ''] ?? 0]),
        );
        return {
          name,
          version: plan.version,
          nodes: plan.staticPaths.length,
          workers,
          nodeWorkers,
        };
      }),
    );
  }

  /**
   * The JSON description of a flow's DAG.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async describe(name: string): Promise<DagDescription> {
    return (await this.#plans.get(name)).description;
  }

  /** Starts the HTTP server and the workers. */
  async start(): Promise<void> {
    await this.startWorker();
    await this.startServer();
  }

  /** Starts workers for every registered flow (and for flows registered later); no HTTP server. */
  async startWorker(): Promise<void> {
    this.#assertOpen();
    if (this.#working) return;
    this.#working = true;
    await this.#res.redis.ping();
    // Other processes publish the end of a request; running handlers of a stopped one are aborted here.
    await this.#res.waiter.onEnded((key, status) => {
      this.#held.update(key, status);
      if (status === 'stopped') this.#running.abort(key);
    });
    await Promise.all(this.#plans.local.map((plan) => this.#serveLocal(plan)));
    for (const [flow, handlers] of this.#handled) void this.#serveHandled(flow, handlers);
  }

  /**
   * Starts the HTTP server given as the `http` option.
   * @throws DagflowError `INVALID_CONFIG` when no `http` option was given.
   */
  async startServer(): Promise<void> {
    this.#assertOpen();
    if (this.#http !== undefined) return;
    const { http, port, host } = this.options;
    if (http === undefined) {
      throw new DagflowError(
        ErrorCode.INVALID_CONFIG,
        "No HTTP front end: pass `http: httpApi()` from '@dagflow/server' to the FlowService options.",
      );
    }
    await this.#res.redis.ping();
    this.#http = await http.listen(this, { port, host });
    this.log.info('http server listening', { port: this.#http.port });
  }

  /** Resolves when Redis answers PING; for health checks. */
  async ping(): Promise<void> {
    await this.#res.redis.ping();
  }

  /** The port the HTTP server listens on, once started. */
  get httpPort(): number | undefined {
    return this.#http?.port;
  }

  /**
   * Starts a request and answers its id at once. Executing twice with one `requestId` runs it once.
   * @throws DagflowError `FLOW_NOT_FOUND`, `INVALID_REQUEST_ID`, `INVALID_OUTPUT` (input cannot be stored)
   */
  async execute(name: string, input: unknown, options: ExecuteOptions = {}): Promise<string> {
    this.#assertOpen();
    return executeRequest(this.#res, await this.#plans.get(name), input, options);
  }

  /**
   * The request's state: status, timings, and every node's status, attempts and error.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   */
  async state(name: string, requestId: string): Promise<RequestState> {
    return requestState(this.#res, this.#plans, name, requestId);
  }

  /**
   * The result of a completed request: its terminal node's output, or `{ [nodeId]: output }` for several.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `REQUEST_NOT_FINISHED`, `REQUEST_FAILED`
   */
  async result(name: string, requestId: string): Promise<unknown> {
    return requestResult(this.#res, this.#plans, name, requestId);
  }

  /**
   * The stored output of one node of a request (`undefined` when it has none yet).
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   */
  async nodeOutput(name: string, requestId: string, path: string): Promise<unknown> {
    await this.#plans.get(name);
    return nodeOutputOf(this.#res, name, requestId, path);
  }

  /**
   * One node of a request: its state, its input and its output (each once it exists).
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `NODE_NOT_FOUND`
   */
  async nodeDetail(name: string, requestId: string, path: string): Promise<NodeDetail> {
    return nodeDetailOf(this.#res, this.#plans, { flow: name, requestId, path });
  }

  /**
   * Waits until the request finishes and answers its result.
   * @throws DagflowError `REQUEST_FAILED` with the failed node's details, `WAIT_TIMEOUT`, `REQUEST_NOT_FOUND`
   */
  async waitForResult(
    name: string,
    requestId: string,
    options: WaitOptions = {},
  ): Promise<unknown> {
    return waitForRequest(
      this.#res,
      this.#plans,
      { flow: name, requestId },
      options.timeoutMs ?? 30_000,
    );
  }

  /**
   * Pauses a request: running nodes finish, ready successors are held instead of enqueued.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless pending or running
   */
  async pause(name: string, requestId: string): Promise<void> {
    await controlRequest(
      this.#controlDeps(),
      await this.#requestPlan(name, requestId),
      requestId,
      'pause',
    );
  }

  /**
   * Resumes a paused request: held steps are enqueued; completed nodes never run again.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless paused
   */
  async resume(name: string, requestId: string): Promise<void> {
    await controlRequest(
      this.#controlDeps(),
      await this.#requestPlan(name, requestId),
      requestId,
      'resume',
    );
  }

  /**
   * Stops a request: waiting jobs are removed, running handlers see `ctx.signal` aborted, no new node
   * starts, and compensations run.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless pending, running or paused
   */
  async stop(name: string, requestId: string): Promise<void> {
    await controlRequest(
      this.#controlDeps(),
      await this.#requestPlan(name, requestId),
      requestId,
      'stop',
    );
  }

  /**
   * Runs a failed or stopped request again from its failed and unfinished nodes, with the same id;
   * completed nodes keep their outputs and never run again. `input` replaces the failed nodes' input.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless failed or stopped
   */
  async rerun(name: string, requestId: string, options: RerunOptions = {}): Promise<void> {
    const command = 'input' in options ? { rerunWith: encode(options.input) } : 'rerun';
    await controlRequest(
      this.#controlDeps(),
      await this.#requestPlan(name, requestId),
      requestId,
      command,
    );
  }

  /**
   * Metrics in the Prometheus text format: this process's counters (requests that ended here by flow
   * and status, node attempt durations, retries) and, read now from Redis, the jobs waiting, active and
   * delayed in each flow queue and the live workers per queue.
   */
  async metrics(): Promise<string> {
    const gauges: Gauge[] = [];
    for (const flow of await this.flows()) {
      const plan = await this.#plans.get(flow.name);
      for (const queue of new Set(['', ...Object.keys(flow.workers), ...plan.localQueues])) {
        const counts = await this.#res.queues
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
    return this.#metrics.render(gauges);
  }

  /**
   * A page of the flow's requests, newest first, optionally of one status.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async listRequests(name: string, options: ListRequestsOptions = {}): Promise<RequestPage> {
    await this.#plans.get(name);
    return this.#res.index.list(name, options);
  }

  /**
   * Stops taking work, lets running nodes finish, closes the HTTP server and every connection.
   * Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#http?.close();
    // Running nodes get the drain period to finish; after it (or with Redis unreachable) workers close
    // hard, and their jobs are taken over by other workers once their locks expire.
    const drain = this.options.closeTimeoutMs;
    await this.#pool?.close(drain);
    await this.#res.close(drain);
    this.log.info('service closed');
  }

  /** Publishes a flow registered here and serves its own queue and the queues of its local handlers. */
  async #serveLocal(plan: FlowPlan): Promise<void> {
    await this.#res.registry.publish(plan, this.#originOf(plan.name));
    await this.#workerPool().serve(plan, plan.localQueues, (version) =>
      this.#plans.version(plan.name, version),
    );
  }

  /** Waits for a flow's definition in the registry, then serves the queues of the nodes handled here. */
  async #serveHandled(
    flow: string,
    handlers: ReadonlyMap<string, Handler<never, unknown>>,
  ): Promise<void> {
    while (this.#closing === undefined) {
      const published = await this.#res.registry.load(flow).catch(() => undefined);
      if (published !== undefined) {
        const plan = planFrom(published, handlers, this.#limits);
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
        this.log.info('serving handled nodes', {
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
    const published = await this.#res.registry.loadVersion(flow, version);
    if (published === undefined) {
      throw new DagflowError(
        ErrorCode.FLOW_NOT_FOUND,
        `Flow '${flow}' has no version '${version}'.`,
      );
    }
    return planFrom(published, handlers, this.#limits);
  }

  #workerPool(): WorkerPool {
    this.#pool ??= new WorkerPool({
      executor: {
        redis: this.#res.redis,
        keys: this.#res.keys,
        store: this.#res.store,
        queues: this.#res.queues,
        log: this.log,
        running: this.#running,
        maxOutputBytes: this.options.maxOutputBytes,
        isHeld: (key: string) => this.#held.has(key),
        metrics: this.#metrics,
      },
      options: this.options,
      registry: this.#res.registry,
      queues: this.#res.queues,
      workerId: this.#workerId,
    });
    return this.#pool;
  }

  /** The plan of the definition version a request runs on. */
  #requestPlan(name: string, requestId: string): Promise<FlowPlan> {
    return planOfRequest(this.#res, this.#plans, name, requestId);
  }

  /** The run-time limits of this service's plans. */
  get #limits(): PlanLimits {
    return { maxForEachItems: this.options.maxForEachItems };
  }

  #controlDeps(): ControlDeps {
    return {
      store: this.#res.store,
      queues: this.#res.queues,
      running: this.#running,
      ended: (flow, status) => this.#metrics.requestEnded(flow, status),
    };
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new DagflowError(
        ErrorCode.SERVICE_CLOSED,
        'The FlowService is closed; create a new one.',
      );
    }
  }
}

function assertFlowOptions(name: string, options: FlowOptions): void {
  const { concurrency, rateLimit } = options;
  const positive = (n: number): boolean => Number.isInteger(n) && n > 0;
  if (concurrency !== undefined && !positive(concurrency)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': concurrency must be an integer > 0 (got ${String(concurrency)}).`,
    );
  }
  if (rateLimit !== undefined && !(positive(rateLimit.max) && positive(rateLimit.durationMs))) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Flow '${name}': rateLimit needs integers max > 0 and durationMs > 0.`,
    );
  }
}
