import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Bucket bounds (seconds) of the node duration histogram. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];

/**
 * prom-client's default gauges named like counters (`promtool check metrics` refuses them); the same
 * counts stay available by type in `nodejs_active_handles`, `nodejs_active_requests` and
 * `nodejs_active_resources`.
 */
const TOTAL_NAMED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The job counts of one flow queue and its live workers, read from Redis at scrape time. */
export interface QueueCounts {
  readonly flow: string;
  /** The queue's name as users give it (the flow's name for its default queue). */
  readonly queue: string;
  /** Jobs by BullMQ state (`waiting`, `prioritized`, `active`, `delayed`, `failed`). */
  readonly jobs: Readonly<Record<string, number>>;
  readonly workers: number;
}

/**
 * This process's metrics (prom-client), rendered in the Prometheus text format: requests ended here by
 * flow and status, node attempts and their durations, retries, stale attempts, the queue gauges read at
 * scrape time, and Node's process metrics (`process_*`, `nodejs_*`). Every process that runs nodes counts
 * its own, so each one is scraped (`METRICS_PORT`, see `metrics-endpoint.ts`).
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #requests = new Counter({
    name: 'dagflow_requests_total',
    help: 'Requests that ended in this process, by flow and final status.',
    labelNames: ['flow', 'status'],
    registers: [this.#registry],
  });
  readonly #attempts = new Counter({
    name: 'dagflow_node_attempts_total',
    help: 'Node attempts run in this process, by flow and outcome (completed or failed).',
    labelNames: ['flow', 'outcome'],
    registers: [this.#registry],
  });
  readonly #retries = new Counter({
    name: 'dagflow_node_retries_total',
    help: 'Node attempts that failed and were retried.',
    labelNames: ['flow'],
    registers: [this.#registry],
  });
  readonly #stale = new Counter({
    name: 'dagflow_stale_attempts_total',
    help: 'Node attempts whose result was dropped: another attempt owned the node by then.',
    labelNames: ['flow'],
    registers: [this.#registry],
  });
  readonly #gaveBack = new Counter({
    name: 'dagflow_step_give_backs_total',
    help: 'Node jobs this process gave back to their queue: it has no code for their step (a rolling deploy).',
    labelNames: ['flow'],
    registers: [this.#registry],
  });
  readonly #unavailable = new Counter({
    name: 'dagflow_step_unavailable_total',
    help: 'Steps this process found that no live worker can run (STEP_UNAVAILABLE): they wait for one.',
    labelNames: ['flow'],
    registers: [this.#registry],
  });
  readonly #deadlines = new Counter({
    name: 'dagflow_deadline_exceeded_total',
    help: 'Requests this process stopped at their deadline (DEADLINE_EXCEEDED), by flow and kind (start or finish).',
    labelNames: ['flow', 'kind'],
    registers: [this.#registry],
  });
  readonly #cacheHits = new Counter({
    name: 'dagflow_cache_hits_total',
    help: 'Node attempts in this process that completed with a cached output (node option cache), their handler not run.',
    labelNames: ['flow', 'node'],
    registers: [this.#registry],
  });
  readonly #cacheMisses = new Counter({
    name: 'dagflow_cache_misses_total',
    help: 'Node attempts in this process that found no cached output and ran their handler (node option cache).',
    labelNames: ['flow', 'node'],
    registers: [this.#registry],
  });
  readonly #durations = new Histogram({
    name: 'dagflow_node_duration_seconds',
    help: 'Duration of node attempts run in this process.',
    labelNames: ['flow'],
    buckets: DURATION_BUCKETS,
    registers: [this.#registry],
  });
  readonly #jobs = new Gauge({
    name: 'dagflow_queue_jobs',
    help: 'Jobs in a flow queue, by state.',
    labelNames: ['flow', 'queue', 'state'],
    registers: [this.#registry],
  });
  readonly #workers = new Gauge({
    name: 'dagflow_workers',
    help: 'Live workers serving a flow queue.',
    labelNames: ['flow', 'queue'],
    registers: [this.#registry],
  });
  #processMetrics = false;

  /** A request ended in this process (its last node completed or failed here, or it was stopped here). */
  requestEnded(flow: string, status: string): void {
    this.#requests.inc({ flow, status });
  }

  /** A node attempt failed and will be retried. */
  retried(flow: string): void {
    this.#retries.inc({ flow });
  }

  /** A node attempt finished after it lost the node (stop + rerun, a takeover): its result was dropped. */
  staleAttempt(flow: string): void {
    this.#stale.inc({ flow });
  }

  /** A job was given back: this process has no code for its step. */
  gaveBack(flow: string): void {
    this.#gaveBack.inc({ flow });
  }

  /** A step was found that no live worker can run (`STEP_UNAVAILABLE`). */
  stepUnavailable(flow: string): void {
    this.#unavailable.inc({ flow });
  }

  /** A request was stopped at its `kind` deadline (`DEADLINE_EXCEEDED`). */
  deadlineExceeded(flow: string, kind: 'start' | 'finish'): void {
    this.#deadlines.inc({ flow, kind });
  }

  /** A node attempt with a cache found a cached output (`hit`) or ran its handler (`miss`). */
  cacheLookup(flow: string, node: string, outcome: 'hit' | 'miss'): void {
    (outcome === 'hit' ? this.#cacheHits : this.#cacheMisses).inc({ flow, node });
  }

  /** A node attempt ended with `outcome` after `seconds`. */
  observeNode(flow: string, outcome: 'completed' | 'failed', seconds: number): void {
    this.#attempts.inc({ flow, outcome });
    this.#durations.observe({ flow }, seconds);
  }

  /** The Prometheus text exposition of the counters, of `queues` (read by the caller now) and of the process. */
  async render(queues: readonly QueueCounts[]): Promise<string> {
    // Node's process metrics start on the first scrape: a service nobody scrapes runs no monitors.
    if (!this.#processMetrics) {
      collectDefaultMetrics({ register: this.#registry });
      for (const name of TOTAL_NAMED_GAUGES) this.#registry.removeSingleMetric(name);
      this.#processMetrics = true;
    }
    this.#jobs.reset();
    this.#workers.reset();
    for (const { flow, queue, jobs, workers } of queues) {
      for (const [state, value] of Object.entries(jobs))
        this.#jobs.set({ flow, queue, state }, value);
      this.#workers.set({ flow, queue }, workers);
    }
    return this.#registry.metrics();
  }
}
