import { randomUUID } from 'node:crypto';
import {
  type Dag,
  DagflowError,
  type DagDescription,
  Dag as DagClass,
  ErrorCode,
  type Handler,
  assertValidId,
} from '@dagflow/flow';
import { Redis } from 'ioredis';
import { decode, encode } from './codec.js';
import {
  type FlowServiceOptions,
  type HttpHandle,
  type ResolvedOptions,
  resolveOptions,
} from './config.js';
import { PlanSource, planFrom } from './plan-source.js';
import { FlowPlan } from './plan/flow-plan.js';
import { Registry } from './registry.js';
import { WorkerPool } from './worker-pool.js';
import { Keys } from './keys.js';
import { createLogger, type Logger } from './logger.js';
import { NodeQueues } from './node-queues.js';
import { ResultWaiter } from './result-waiter.js';
import { defineScripts } from './scripts.js';
import { StateStore } from './state-store.js';
import { controlRequest } from './request-control.js';
import { type ListRequestsOptions, RequestIndex, type RequestPage } from './request-index.js';
import { HeldRequests } from './held-requests.js';
import { RunningAttempts } from './running-attempts.js';
import type { ExecuteOptions, FlowInfo, FlowOptions, RequestState } from './types.js';

const REQUEST_ID = /^[A-Za-z0-9_.-]{1,128}$/;

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
  readonly #keys: Keys;
  readonly #plans = new PlanSource(() => this.#registry());
  readonly #handled = new Map<string, Map<string, Handler<never, unknown>>>();
  readonly #workerId = randomUUID();
  #pool: WorkerPool | undefined;
  #registryStore: Registry | undefined;
  #redis: Redis | undefined;
  #store: StateStore | undefined;
  #queues: NodeQueues | undefined;
  #waiter: ResultWaiter | undefined;
  #index: RequestIndex | undefined;
  readonly #running = new RunningAttempts();
  readonly #held = new HeldRequests();
  #http: HttpHandle | undefined;
  #working = false;
  #closing: Promise<void> | undefined;

  /** Reads configuration only; connections open on first use. */
  constructor(options: FlowServiceOptions = {}) {
    this.options = resolveOptions(options);
    this.#keys = new Keys(this.options.prefix);
    this.log = createLogger(this.options.logLevel, { prefix: this.options.prefix });
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
    const plan = new FlowPlan(name, dag, options);
    this.#plans.addLocal(plan);
    if (this.#working)
      void this.#serveLocal(plan).catch((error: unknown) =>
        this.log.error('could not start a flow worker', { flow: name, error: String(error) }),
      );
    return this;
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
    const registry = this.#registry();
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
        return {
          name,
          version: plan.version,
          nodes: plan.staticPaths.length,
          workers: await registry.liveWorkers(name),
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
    await this.#connection().ping();
    // Other processes publish the end of a request; running handlers of a stopped one are aborted here.
    await this.#resultWaiter().onEnded((key, status) => {
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
    await this.#connection().ping();
    this.#http = await http.listen(this, { port, host });
    this.log.info('http server listening', { port: this.#http.port });
  }

  /** Resolves when Redis answers PING; for health checks. */
  async ping(): Promise<void> {
    await this.#connection().ping();
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
    const plan = await this.#plans.get(name);
    const requestId = options.requestId ?? randomUUID();
    if (!REQUEST_ID.test(requestId)) {
      throw new DagflowError(
        ErrorCode.INVALID_REQUEST_ID,
        `Invalid request id ${JSON.stringify(requestId)}: use 1-128 characters of letters, digits, '_', '.' and '-'.`,
      );
    }
    const context =
      options.query === undefined && options.headers === undefined
        ? ''
        : JSON.stringify({ query: options.query, headers: options.headers });
    const { priority } = options;
    if (
      priority !== undefined &&
      !(Number.isInteger(priority) && priority >= 1 && priority <= 2_097_152)
    ) {
      throw new DagflowError(
        ErrorCode.INVALID_INPUT,
        `Priority must be an integer from 1 (highest) to 2097152 (got ${String(priority)}).`,
      );
    }
    const now = Date.now();
    const created = await this.#stateStore().createRequest(name, requestId, encode(input), context);
    if (created) await this.#requestIndex().add(name, requestId, now);
    const status = created ? 'pending' : await this.#stateStore().readStatus(name, requestId);
    // A request created by an earlier call that died before enqueueing is still pending: enqueue again.
    if (status === 'pending') {
      await this.#nodeQueues().enqueue(
        plan,
        requestId,
        plan.roots,
        priority === undefined ? {} : { priority },
      );
    }
    return requestId;
  }

  /**
   * The request's state: status, timings, and every node's status, attempts and error.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   */
  async state(name: string, requestId: string): Promise<RequestState> {
    const plan = await this.#plans.get(name);
    const state = await this.#stateStore().readState(plan, requestId);
    if (state === undefined) throw notFound(name, requestId);
    return this.#withWaitingForWorkers(plan, state);
  }

  /**
   * The result of a completed request: its terminal node's output, or `{ [nodeId]: output }` for several.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `REQUEST_NOT_FINISHED`, `REQUEST_FAILED`
   */
  async result(name: string, requestId: string): Promise<unknown> {
    const plan = await this.#plans.get(name);
    const store = this.#stateStore();
    const status = await store.readStatus(name, requestId);
    if (status === undefined) throw notFound(name, requestId);
    if (status === 'completed')
      return plan.resultFrom(await store.readTerminalOutputs(plan, requestId));
    if (status === 'failed' || status === 'stopped') throw await this.#failure(name, requestId);
    throw new DagflowError(
      ErrorCode.REQUEST_NOT_FINISHED,
      `Request '${requestId}' of flow '${name}' is ${status}; wait for it with waitForResult() or ?wait=.`,
      { details: { status } },
    );
  }

  /**
   * The stored output of one node of a request (`undefined` when it has none yet).
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`
   */
  async nodeOutput(name: string, requestId: string, path: string): Promise<unknown> {
    await this.#plans.get(name);
    const store = this.#stateStore();
    if ((await store.readStatus(name, requestId)) === undefined) throw notFound(name, requestId);
    const encoded = await store.readOutput(name, requestId, path);
    return encoded === null ? undefined : decode(encoded);
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
    const plan = await this.#plans.get(name);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const store = this.#stateStore();
    const status = await this.#resultWaiter().waitForEnd(
      `${name}/${requestId}`,
      async () => {
        const current = await store.readStatus(name, requestId);
        if (current === undefined) throw notFound(name, requestId);
        return current;
      },
      (current) => current === 'completed' || current === 'failed' || current === 'stopped',
      timeoutMs,
    );
    if (status === undefined) {
      throw new DagflowError(
        ErrorCode.WAIT_TIMEOUT,
        `Request '${requestId}' of flow '${name}' did not finish within ${timeoutMs} ms; it goes on running.`,
      );
    }
    if (status === 'completed')
      return plan.resultFrom(await store.readTerminalOutputs(plan, requestId));
    throw await this.#failure(name, requestId);
  }

  /**
   * Pauses a request: running nodes finish, ready successors are held instead of enqueued.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless pending or running
   */
  async pause(name: string, requestId: string): Promise<void> {
    await controlRequest(this.#controlDeps(), await this.#plans.get(name), requestId, 'pause');
  }

  /**
   * Resumes a paused request: held steps are enqueued; completed nodes never run again.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless paused
   */
  async resume(name: string, requestId: string): Promise<void> {
    await controlRequest(this.#controlDeps(), await this.#plans.get(name), requestId, 'resume');
  }

  /**
   * Stops a request: waiting jobs are removed, running handlers see `ctx.signal` aborted, no new node
   * starts, and compensations run.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless pending, running or paused
   */
  async stop(name: string, requestId: string): Promise<void> {
    await controlRequest(this.#controlDeps(), await this.#plans.get(name), requestId, 'stop');
  }

  /**
   * Runs a failed or stopped request again from its failed and unfinished nodes, with the same id;
   * completed nodes keep their outputs and never run again. `input` replaces the failed nodes' input.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless failed or stopped
   */
  async rerun(name: string, requestId: string, options: RerunOptions = {}): Promise<void> {
    const command = 'input' in options ? { rerunWith: encode(options.input) } : 'rerun';
    await controlRequest(this.#controlDeps(), await this.#plans.get(name), requestId, command);
  }

  /**
   * A page of the flow's requests, newest first, optionally of one status.
   * @throws DagflowError `FLOW_NOT_FOUND`
   */
  async listRequests(name: string, options: ListRequestsOptions = {}): Promise<RequestPage> {
    await this.#plans.get(name);
    return this.#requestIndex().list(name, options);
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
    await Promise.race([this.#queues?.close(), sleep(drain)]);
    await this.#waiter?.close();
    await Promise.race([this.#redis?.quit(), sleep(drain)]).catch(() => undefined);
    this.#redis?.disconnect();
    this.log.info('service closed');
  }

  /** Publishes a flow registered here and serves its own queue and the queues of its local handlers. */
  async #serveLocal(plan: FlowPlan): Promise<void> {
    await this.#registry().publish(plan);
    await this.#workerPool().serve(plan, plan.localQueues);
  }

  /** Waits for a flow's definition in the registry, then serves the queues of the nodes handled here. */
  async #serveHandled(
    flow: string,
    handlers: ReadonlyMap<string, Handler<never, unknown>>,
  ): Promise<void> {
    while (this.#closing === undefined) {
      const published = await this.#registry()
        .load(flow)
        .catch(() => undefined);
      if (published !== undefined) {
        const plan = planFrom(published, handlers);
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
        await this.#workerPool().serve(plan, [...new Set(queues)]);
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

  /** Marks queued nodes whose queue has no live worker: they wait for one. */
  async #withWaitingForWorkers(plan: FlowPlan, state: RequestState): Promise<RequestState> {
    const queued = Object.entries(state.nodes).filter(([, node]) => node.status === 'queued');
    if (queued.length === 0) return state;
    const live = await this.#registry().liveWorkers(plan.name);
    const nodes = { ...state.nodes };
    for (const [path, node] of queued) {
      if ((live[plan.queueOf(path)] ?? 0) === 0)
        nodes[path] = { ...node, waiting: 'waiting for worker' };
    }
    return { ...state, nodes };
  }

  #workerPool(): WorkerPool {
    this.#pool ??= new WorkerPool({
      executor: {
        redis: this.#connection(),
        keys: this.#keys,
        store: this.#stateStore(),
        queues: this.#nodeQueues(),
        log: this.log,
        running: this.#running,
        maxOutputBytes: this.options.maxOutputBytes,
        isHeld: (key: string) => this.#held.has(key),
      },
      options: this.options,
      registry: this.#registry(),
      queues: this.#nodeQueues(),
      workerId: this.#workerId,
    });
    return this.#pool;
  }

  #registry(): Registry {
    this.#registryStore ??= new Registry(this.#connection(), this.#keys);
    return this.#registryStore;
  }

  #controlDeps() {
    return { store: this.#stateStore(), queues: this.#nodeQueues(), running: this.#running };
  }

  async #failure(name: string, requestId: string): Promise<DagflowError> {
    const state = await this.state(name, requestId);
    const error = state.error;
    if (state.status === 'stopped') {
      return new DagflowError(
        ErrorCode.REQUEST_STOPPED,
        `Request '${requestId}' of flow '${name}' was stopped.`,
        {
          details: { status: state.status },
        },
      );
    }
    const cause =
      error === undefined
        ? `it is ${state.status}`
        : `node '${error.node}' failed after ${error.attempts} attempt(s): ${error.message}`;
    return new DagflowError(
      ErrorCode.REQUEST_FAILED,
      `Request '${requestId}' of flow '${name}' failed: ${cause}`,
      {
        details: { status: state.status, ...(error === undefined ? {} : { error }) },
      },
    );
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new DagflowError(
        ErrorCode.SERVICE_CLOSED,
        'The FlowService is closed; create a new one.',
      );
    }
  }

  #connection(): Redis {
    if (this.#redis === undefined) {
      this.#redis = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
      this.#redis.on('error', (error: Error) =>
        this.log.warn('redis connection error', { error: error.message }),
      );
      defineScripts(this.#redis);
    }
    return this.#redis;
  }

  #stateStore(): StateStore {
    this.#store ??= new StateStore(this.#connection(), this.#keys, this.options.retention);
    return this.#store;
  }

  #nodeQueues(): NodeQueues {
    this.#queues ??= new NodeQueues(this.#connection(), this.#keys);
    return this.#queues;
  }

  #requestIndex(): RequestIndex {
    this.#index ??= new RequestIndex(this.#connection(), this.#keys);
    return this.#index;
  }

  #resultWaiter(): ResultWaiter {
    this.#waiter ??= new ResultWaiter(this.#connection(), this.#keys.events);
    return this.#waiter;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
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

function notFound(flow: string, requestId: string): DagflowError {
  return new DagflowError(
    ErrorCode.REQUEST_NOT_FOUND,
    `Request '${requestId}' of flow '${flow}' does not exist or has expired.`,
    {
      details: { flow, requestId },
    },
  );
}
