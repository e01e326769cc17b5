import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { startTelemetry } from '@dagflow/server';
import { testPrefix, waitFor } from '@dagflow/test-utils';
import { afterAll, expect, inject, it } from 'vitest';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/flows.mjs', import.meta.url).pathname;
let worker: ChildProcess | undefined;
let receiver: Server | undefined;

afterAll(async () => {
  if (worker !== undefined) {
    const exited = new Promise((resolve) => worker?.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await new Promise((resolve) => receiver?.close(resolve));
});

it('is off when no OTEL_* variable asks for it', async () => {
  expect(await startTelemetry({})).toBeUndefined();
  expect(await startTelemetry({ OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
});

it('exports the spans of a worker started by the CLI to the OTLP endpoint of OTEL_*', async () => {
  const bodies: string[] = [];
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const env = {
    ...process.env,
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: testPrefix(import.meta.url, 'otel'),
    LOG_LEVEL: 'error',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_SERVICE_NAME: 'dagflow-cli-test',
  };
  worker = spawn('node', [MAIN, 'worker', FIXTURE], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) =>
    worker?.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()),
  );
  // The run command itself exports nothing: its process has no OTEL_* endpoint.
  const { OTEL_EXPORTER_OTLP_ENDPOINT: _endpoint, ...runEnv } = env;
  await new Promise((resolve) =>
    execFile(
      'node',
      [MAIN, 'run', 'greet', '--data', 'traced', '--wait', '10'],
      { env: runEnv },
      resolve,
    ),
  );
  await waitFor(() => bodies.some((body) => body.includes('"process {greet}"')), {
    timeoutMs: 10_000,
  });
  const exported = bodies.join('\n');
  expect(exported).toContain('dagflow-cli-test');
  expect(exported).toContain('"dagflow.node"');
  expect(exported).toContain('"messaging.system"');
  expect(exported).toContain('"messaging.operation.name"');
  expect(exported).toContain('"server.address"');
});
