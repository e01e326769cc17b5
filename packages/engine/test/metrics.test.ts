import { describe, expect, it } from 'vitest';
import { Metrics } from '../src/infra/metrics.js';

const queues = [
  {
    flow: 'kyc "eu"',
    queue: 'faces',
    jobs: { waiting: 2, active: 1, delayed: 0, failed: 3 },
    workers: 4,
  },
];

describe('Metrics', () => {
  it('renders node attempts by outcome, durations in seconds, requests and the queue gauges', async () => {
    const metrics = new Metrics();
    metrics.observeNode('kyc', 'completed', 0.02);
    metrics.observeNode('kyc', 'completed', 2);
    metrics.observeNode('kyc', 'failed', 0.5);
    metrics.retried('kyc');
    metrics.requestEnded('kyc', 'failed');
    const text = await metrics.render(queues);
    const lines = text.split('\n');
    expect(lines).toContain('# TYPE dagflow_node_attempts_total counter');
    expect(lines).toContain('dagflow_node_attempts_total{flow="kyc",outcome="completed"} 2');
    expect(lines).toContain('dagflow_node_attempts_total{flow="kyc",outcome="failed"} 1');
    expect(lines).toContain('dagflow_node_duration_seconds_bucket{le="0.05",flow="kyc"} 1');
    expect(lines).toContain('dagflow_node_duration_seconds_bucket{le="1",flow="kyc"} 2');
    expect(lines).toContain('dagflow_node_duration_seconds_count{flow="kyc"} 3');
    expect(lines).toContain('dagflow_node_duration_seconds_sum{flow="kyc"} 2.52');
    expect(lines).toContain('dagflow_node_retries_total{flow="kyc"} 1');
    expect(lines).toContain('dagflow_requests_total{flow="kyc",status="failed"} 1');
    // Label values are escaped.
    expect(lines).toContain(
      'dagflow_queue_jobs{flow="kyc \\"eu\\"",queue="faces",state="failed"} 3',
    );
    expect(lines).toContain('dagflow_workers{flow="kyc \\"eu\\"",queue="faces"} 4');
    expect(lines).toContain('# TYPE process_cpu_seconds_total counter');
  });

  it('reads the queue gauges afresh at each scrape and renders no gauge named like a counter', async () => {
    const metrics = new Metrics();
    await metrics.render(queues);
    const text = await metrics.render([]);
    expect(text).not.toMatch(/^dagflow_queue_jobs\{/m);
    expect(text).not.toMatch(/^dagflow_workers\{/m);
    const gauges = [...text.matchAll(/^# TYPE (\S+) gauge$/gm)].map(([, name]) => name);
    expect(gauges).toContain('nodejs_eventloop_lag_seconds');
    expect(gauges.filter((name) => name?.endsWith('_total'))).toEqual([]);
  });
});
