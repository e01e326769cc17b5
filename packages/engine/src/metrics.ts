/** Bucket bounds (seconds) of the node duration histogram. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * This process's counters, rendered in the Prometheus text format with the gauges read at scrape time:
 * requests ended here by flow and status, node attempt durations, retries.
 */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #retries = new Map<string, number>();
  readonly #stale = new Map<string, number>();
  readonly #durations = new Map<string, Histogram>();

  /** A request ended in this process (its last node completed or failed here, or it was stopped here). */
  requestEnded(flow: string, status: string): void {
    const key = `${flow}\u0000${status}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  /** A node attempt failed and will be retried. */
  retried(flow: string): void {
    this.#retries.set(flow, (this.#retries.get(flow) ?? 0) + 1);
  }

  /** A node attempt finished after it lost the node (stop + rerun, a takeover): its result was dropped. */
  staleAttempt(flow: string): void {
    this.#stale.set(flow, (this.#stale.get(flow) ?? 0) + 1);
  }

  /** A node attempt took `seconds`. */
  observeNode(flow: string, seconds: number): void {
    let histogram = this.#durations.get(flow);
    if (histogram === undefined) {
      histogram = { counts: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#durations.set(flow, histogram);
    }
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= (DURATION_BUCKETS[i] ?? Infinity))
        histogram.counts[i] = (histogram.counts[i] ?? 0) + 1;
    }
    histogram.sum += seconds;
    histogram.count += 1;
  }

  /** The Prometheus text exposition of the counters and of `gauges` (read by the caller at scrape time). */
  render(gauges: readonly Gauge[]): string {
    const lines: string[] = [
      '# HELP dagflow_requests_total Requests that ended in this process, by flow and final status.',
      '# TYPE dagflow_requests_total counter',
    ];
    for (const [key, value] of this.#requests) {
      const [flow = '', status = ''] = key.split('\u0000');
      lines.push(
        `dagflow_requests_total{flow="${escape(flow)}",status="${escape(status)}"} ${value}`,
      );
    }
    lines.push(
      '# HELP dagflow_node_retries_total Node attempts that failed and were retried.',
      '# TYPE dagflow_node_retries_total counter',
    );
    for (const [flow, value] of this.#retries)
      lines.push(`dagflow_node_retries_total{flow="${escape(flow)}"} ${value}`);
    lines.push(
      '# HELP dagflow_stale_attempts_total Node attempts whose result was dropped: another attempt owned the node by then.',
      '# TYPE dagflow_stale_attempts_total counter',
    );
    for (const [flow, value] of this.#stale)
      lines.push(`dagflow_stale_attempts_total{flow="${escape(flow)}"} ${value}`);
    lines.push(
      '# HELP dagflow_node_duration_seconds Duration of node attempts run in this process.',
      '# TYPE dagflow_node_duration_seconds histogram',
    );
    for (const [flow, histogram] of this.#durations) {
      const label = `flow="${escape(flow)}"`;
      DURATION_BUCKETS.forEach((bound, i) =>
        lines.push(
          `dagflow_node_duration_seconds_bucket{${label},le="${bound}"} ${histogram.counts[i] ?? 0}`,
        ),
      );
      lines.push(`dagflow_node_duration_seconds_bucket{${label},le="+Inf"} ${histogram.count}`);
      lines.push(
        `dagflow_node_duration_seconds_sum{${label}} ${histogram.sum}`,
        `dagflow_node_duration_seconds_count{${label}} ${histogram.count}`,
      );
    }
    for (const name of new Set(gauges.map((gauge) => gauge.name))) {
      const first = gauges.find((gauge) => gauge.name === name);
      lines.push(`# HELP ${name} ${first?.help ?? ''}`, `# TYPE ${name} gauge`);
      for (const gauge of gauges.filter((g) => g.name === name)) {
        const labels = Object.entries(gauge.labels).map(
          ([key, value]) => `${key}="${escape(value)}"`,
        );
        lines.push(`${name}{${labels.join(',')}} ${gauge.value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/** A gauge value read at scrape time. */
export interface Gauge {
  readonly name: string;
  readonly help: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
