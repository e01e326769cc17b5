import {
  type Dag,
  type Handler,
  type InferSchemaInput,
  type InferSchemaOutput,
  type Operation,
  type ResultOf,
  type StandardSchemaV1,
  type TypedFlow,
  assertValidId,
} from '@dagflow/flow';
import type { ClientConfig } from '../config/client-config.js';
import type { WorkerConfig } from '../config/worker-config.js';
import type { AuditLog } from '../registry/audit-log.js';
import { FlowClient } from './flow-client.js';
import type { FlowHandle } from './flow-handle.js';
import type { FlowServiceOptions } from './service-options.js';
import type { FlowApi } from './flow-api.js';
import {
  type AddedStep,
  FlowRegistrations,
  type StepChange,
} from '../registry/flow-registrations.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import { queueGauges } from './queue-gauges.js';
import type { Ending } from '../queue/request-ended.js';
import type { FlowOrigin } from '../registry/registry.js';
import type { FlowInfo } from '../types/types.js';
import type { FlowOptions } from '../types/flow-options.js';
import { FlowServing } from '../worker/process/flow-serving.js';
import { builtInOperations } from '../worker/operations/operations.js';
import { childRequestsOf } from './child-requests.js';
import { ServiceStartup } from './service-startup.js';

/**
 * Registers flows, executes requests and runs their nodes on BullMQ workers: a {@link FlowClient}
 * that also serves flows. Start it as HTTP server and worker (`start()`), worker only
 * (`startWorker()`) or server only (`startServer()`); scale out by starting more processes against
 * the same Redis and prefix.
 *
 * @example
 * ```ts
 * const service = new FlowService({ http: httpApi() });
 * service.register('myflow', (dag) => dag.node('hello', (input: string) => `you said "${input}"`));
 * await service.start();
 * ```
 */
export class FlowService extends FlowClient implements FlowApi {
  /** The audit log of state changes made over the HTTP API (a Redis Stream, each entry also logged). */
  readonly auditLog: AuditLog;
  readonly #operations: Map<string, Operation>;
  readonly #registrations: FlowRegistrations;
  readonly #serving: FlowServing;
  readonly #startup: ServiceStartup;

  /**
   * Reads the client part of the configuration only (see {@link FlowClient}); the worker part is read
   * by {@link startWorker}, the server part by {@link startServer}. Connections open on first use.
   * @throws DagflowError `INVALID_CONFIG` naming a malformed client option or variable
   */
  constructor(options: FlowServiceOptions = {}) {
    super(options);
    this.#startup = new ServiceStartup({
      config: this.config,
      settings: options,
      redis: this.res.redis,
      keys: this.res.keys,
      log: this.log,
      render: () => this.metrics(),
    });
    const res = this.res;
    const limits = () => ({ maxForEachItems: this.options.maxForEachItems });
    const worker = () => this.#startup.worker();
    this.auditLog = this.#startup.auditLog();
    this.#operations = builtInOperations({
      get redis() {
        return res.redis;
      },
      prefix: this.options.prefix,
      get httpAllow() {
        return worker().httpAllow;
      },
    });
    const { plans, log } = this;
    const originOf = (flow: string) => this.#registrations.originOf(flow);
    const children = childRequestsOf(this, res);
    this.#serving = new FlowServing({
      res,
      plans,
      options: (): ClientConfig & WorkerConfig => ({ ...this.options, ...this.#startup.worker() }),
      log,
      limits,
      originOf,
      children,
      stopWith: (flow, id, reason) => this.stopWith(flow, id, reason),
    });
    const added = (plan: FlowPlan, changeOf?: string) =>
      changeOf === undefined ? this.#serving.added(plan) : this.#serving.changed(plan, changeOf);
    this.#registrations = new FlowRegistrations(plans, this.#operations, added, limits);
  }

  /**
   * Registers a typed flow (see `typedFlow`): answers a handle whose `execute` takes the flow's input
   * type and whose `waitForResult` gives its result type. The flow's `input` schema is checked at execute.
   * @throws DagValidationError for invalid DAGs or names; `FLOW_ALREADY_REGISTERED` for a taken name;
   *   `INVALID_CONFIG` for an out-of-range concurrency or rate limit.
   */
  register<In, Root, Out, Used>(
    name: string,
    flow: TypedFlow<In, Root, Out, Used>,
    options?: FlowOptions<Root>,
  ): FlowHandle<In, ResultOf<Out, Used>>;
  /**
   * Registers a flow whose input a Standard Schema checks at execute: the handle's `execute` takes the
   * schema's input type. See the untyped overload.
   */
  register<S extends StandardSchemaV1>(
    name: string,
    define: (dag: Dag) => void,
    options: FlowOptions<InferSchemaOutput<S>> & { readonly input: S },
  ): FlowHandle<InferSchemaInput<S>, unknown>;
  /**
   * Registers a flow: `define(dag)` is called once and the DAG is validated here. Answers a handle on
   * the flow's requests (untyped: `unknown` in and out). A concurrency key function may declare the
   * input it expects (`key: (input: { customerId: string }) => input.customerId`).
   * @throws DagValidationError for invalid DAGs or names; `FLOW_ALREADY_REGISTERED` for a taken name;
   *   `INVALID_CONFIG` for an out-of-range concurrency or rate limit.
   */
  register<In = unknown>(
    name: string,
    define: (dag: Dag) => void,
    options?: FlowOptions<In>,
  ): FlowHandle<unknown, unknown>;
  register(
    name: string,
    define: ((dag: Dag) => void) | TypedFlow<unknown, unknown, unknown, unknown>,
    options: FlowOptions = {},
  ): FlowHandle<unknown, unknown> {
    if (typeof define === 'function') {
      this.#registrations.register(name, define, options);
    } else {
      const input = options.input ?? define.input;
      const merged = input === undefined ? options : { ...options, input };
      this.#registrations.register(name, (dag) => define.defineOn(dag), merged);
    }
    return this.flow(name);
  }

  /**
   * Adds an operation that declarative flows can name in their nodes (`{ "op": name, "with": {...} }`).
   * Built in: `http`, `publish`, `flow` (see `worker/operations/operations.ts`).
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
    return this.#registrations.registerDefinition(definition, options);
  }

  /**
   * Adds a step to a flow registered here, while it runs (the seed's CreateStep): it runs after the
   * steps in `after` and before those in `before`. The change is validated like a registration and
   * makes a new version: requests run to their end on the version they started with.
   * @throws DagValidationError for a change that breaks the DAG; `FLOW_NOT_FOUND`; `UNKNOWN_OPERATION`
   */
  addStep(flow: string, step: AddedStep): FlowInfo {
    this.assertOpen();
    return this.#registrations.addStep(flow, step);
  }

  /** Removes a step of a flow registered here (DeleteStep); its parents are wired to its children. See {@link addStep}. */
  removeStep(flow: string, id: string): FlowInfo {
    this.assertOpen();
    return this.#registrations.removeStep(flow, id);
  }

  /** Gives a step of a flow registered here another handler or operation (ReplaceStep). See {@link addStep}. */
  replaceStep(flow: string, id: string, step: StepChange): FlowInfo {
    this.assertOpen();
    return this.#registrations.replaceStep(flow, id, step);
  }

  /**
   * How a flow was defined: `code` (`register()`, here or in another process), `definition`
   * (`registerDefinition()`, e.g. `POST /flows`), or `undefined` when no flow of that name exists.
   * The HTTP API refuses to replace or change a code-defined flow without an explicit `force`.
   */
  async flowOrigin(name: string): Promise<FlowOrigin | undefined> {
    return this.#registrations.flowOrigin(name, this.res.registry);
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
    this.#serving.handle(flow, node, handler);
    return this;
  }

  /** Starts the HTTP server and the workers. */
  async start(): Promise<void> {
    await this.startWorker();
    await this.startServer();
  }

  /**
   * Starts workers for every registered flow (and for flows registered later), and the metrics
   * listener when a `metricsPort` is configured; no HTTP server.
   * @throws DagflowError `INVALID_CONFIG` when the metrics listener cannot listen, or when the Redis
   * user may not run `INFO` (BullMQ needs it; see docs/security.md).
   */
  async startWorker(): Promise<void> {
    this.assertOpen();
    // The configuration first, then the stored format and the metrics port: a malformed setting, data
    // of another format or a taken port fails the start before this process takes any work.
    const worker = this.#startup.worker();
    await this.#startup.checkFormat();
    await this.#startup.openMetrics(worker);
    await this.#serving.start();
    this.startBulkRunner();
  }

  /**
   * Starts the HTTP server given as the `http` option, reading the server part of the configuration
   * (`PORT`, `HOST`, ...; the front end adds its own) first.
   * @throws DagflowError `INVALID_CONFIG` when no `http` option was given, naming a malformed server
   *   option or variable, or when the Redis user may not run `INFO`; `STORED_FORMAT_MISMATCH`
   */
  async startServer(): Promise<void> {
    this.assertOpen();
    const { port, host, ...metrics } = this.#startup.server();
    await this.#startup.checkFormat();
    await this.#startup.openMetrics(metrics);
    await this.#startup.listen(this, { port, host });
  }

  protected override get listenUrl(): string | undefined {
    return this.#startup.httpUrl;
  }

  /** The port the HTTP server listens on, once started. */
  get httpPort(): number | undefined {
    return this.#startup.httpPort;
  }

  /** The port of the metrics listener (the `metricsPort` option, `METRICS_PORT`), once open. */
  get metricsPort(): number | undefined {
    return this.#startup.metricsPort;
  }

  /**
   * Metrics in the Prometheus text format: this process's counters (requests that ended here by flow
   * and status, node attempts by outcome and their durations, retries), Node's process metrics and,
   * read now from Redis, the jobs waiting, active, delayed and failed in each flow queue and the live
   * workers per queue. Served at `/metrics` by the HTTP API and by the `metricsPort` listener.
   */
  async metrics(): Promise<string> {
    const queues = await queueGauges(await this.flows(), this.plans, this.res);
    return this.#serving.metrics.render(queues);
  }

  /** @internal Stops taking work, lets running nodes finish, closes the HTTP server and every connection. */
  protected override async shutdown(): Promise<void> {
    await this.#startup.close();
    // Running nodes get the drain period to finish; after it (or with Redis unreachable) workers close
    // hard, and their jobs are taken over by other workers once their locks expire.
    await this.#serving.close(this.options.closeTimeoutMs);
    await super.shutdown();
    this.log.info('service closed');
  }

  /** @internal */
  protected override abortRunning(requestKey: string): void {
    this.#serving.running.abort(requestKey);
  }

  /** @internal */
  protected override requestEnded(flow: string, ending: Ending): void {
    this.#serving.metrics.requestEnded(flow, ending);
  }
}
