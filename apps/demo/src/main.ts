/**
 * The dagflow demo. `node dist/main.js [all|server|worker]`:
 * - all (default): HTTP server and worker in this process, plus one more worker process;
 * - server: the HTTP API only; worker: a worker only (start as many as you like).
 * Uses REDIS_URL, else Redis on 127.0.0.1:6379, else starts a local redis-server; DEMO_REVISION=2
 * registers a changed KYC flow (a rolling deploy to try).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Dag, FlowService, loadConfig, redactUrl } from '@dagflow/engine';
import { httpApi, startTelemetry } from '@dagflow/server';
import { registerDemoFlows } from './flows.js';
import { answers, startLocalRedis } from './local-redis.js';
import { tryLines } from './try-lines.js';

const mode = process.argv[2] ?? 'all';
if (!['all', 'server', 'worker'].includes(mode)) {
  process.stderr.write(`Unknown mode '${mode}': use all, server or worker.\n`);
  process.exit(2);
}

let redisUrl = process.env['REDIS_URL'];
let localRedis: Awaited<ReturnType<typeof startLocalRedis>> | undefined;
// REDIS_CLUSTER_NODES, when set, wins over any URL (the service reads it): then no local Redis is needed.
const cluster = process.env['REDIS_CLUSTER_NODES'];
const onCluster = cluster !== undefined && cluster !== '';
if (onCluster) {
  // The demo's worker processes inherit REDIS_CLUSTER_NODES too.
} else if (redisUrl === undefined || redisUrl === '') {
  if (await answers(6379)) {
    redisUrl = 'redis://127.0.0.1:6379';
  } else {
    localRedis = await startLocalRedis();
    redisUrl = localRedis.url;
  }
}
/** Where Redis is, fit for a banner: passwords in the URL or the seeds redacted. */
const redisShown = onCluster
  ? `cluster ${cluster.split(',').map(redactUrl).join(',')}`
  : redactUrl(redisUrl ?? '');

// Traces go to the OTLP endpoint of the OTEL_* variables when they are set (see docker-compose.yml).
const telemetry = await startTelemetry();
// httpApi() serves the dashboard's build (@dagflow/dashboard, a dependency of @dagflow/server) under /dashboard/.
const service = new FlowService({
  ...(onCluster ? {} : { redisUrl }),
  http: httpApi(),
});
// DEMO_REVISION=2 starts the demo with a changed KYC flow: restart the workers one by one with it to
// try a rolling deploy (see docs/scaling.md, Deploying changed flows).
registerDemoFlows(service, () => new Dag(), Number(process.env['DEMO_REVISION'] ?? 1));
const children: ReturnType<typeof fork>[] = [];

if (mode === 'worker') {
  await service.startWorker();
  const metrics =
    service.metricsPort === undefined ? '' : `, metrics on port ${service.metricsPort}`;
  process.stdout.write(
    `dagflow demo worker ${process.pid} ready (redis ${redisShown}${metrics})\n`,
  );
} else if (mode === 'server') {
  await service.startServer();
} else {
  await service.start();
  children.push(
    fork(fileURLToPath(import.meta.url), ['worker'], {
      env: {
        ...process.env,
        ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
        ...childMetricsPort(loadConfig().server().metricsPort),
      },
    }),
  );
}

if (mode !== 'worker') {
  const tokensConfigured = Boolean(
    process.env['DAGFLOW_TOKENS'] || process.env['DAGFLOW_TOKENS_FILE'],
  );
  const base = `http://localhost:${service.httpPort ?? loadConfig().server().port}`;
  process.stdout.write(
    [
      '',
      `dagflow demo is up: HTTP ${base}, Redis ${redisShown}${localRedis ? ' (started for this demo)' : ''}`,
      '',
      `Dashboard: ${base}/dashboard/`,
      '',
      ...(tokensConfigured
        ? ["Tokens are required: add -H 'Authorization: Bearer <token>' to each curl below.", '']
        : []),
      'Try:',
      ...tryLines(base),
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  await service.close();
  await telemetry?.shutdown();
  localRedis?.child.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

/** The worker child's METRICS_PORT: the one after this process's (0 stays 0), so both can be scraped. */
function childMetricsPort(port: number | undefined): { METRICS_PORT?: string } {
  return port === undefined ? {} : { METRICS_PORT: String(port === 0 ? 0 : port + 1) };
}
