import { execFile } from 'node:child_process';
import { FlowService } from '@dagflow/engine';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const prefix = testPrefix(import.meta.url, 'config');
let service: FlowService;
let requestId: string;

/** Runs the CLI with `env` over the test's; answers its exit code and output. */
function dagflow(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const full = {
    ...process.env,
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: prefix,
    LOG_LEVEL: 'error',
    ...env,
  };
  return new Promise((resolve) => {
    execFile('node', [MAIN, ...args], { env: full, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  service = new FlowService({ env: { REDIS_URL: inject('redisUrl') }, prefix, logLevel: 'error' });
  service.register('greet', (dag) => dag.node('hello', (input: string) => `hi ${input}`));
  await service.startWorker();
  requestId = await service.execute('greet', 'ann');
  await service.waitForResult('greet', requestId, { timeoutMs: 10_000 });
});

afterAll(async () => service.close());

describe('each command reads only the configuration of its role', () => {
  it('runs status with a malformed PORT and worker settings it never uses', async () => {
    const { code, stdout, stderr } = await dagflow(['status', 'greet', requestId], {
      PORT: 'abc',
      HOST: '',
      WORKER_CONCURRENCY: 'many',
      DAGFLOW_HTTP_ALLOW: '10.0.0.0/33',
      MAX_BODY_BYTES: 'big',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'completed' });
  });

  it('refuses to start a server on a malformed PORT, naming it', async () => {
    const { code, stderr } = await dagflow(['server'], { PORT: 'abc' });
    expect(code).toBe(1);
    expect(stderr).toContain('INVALID_CONFIG');
    expect(stderr).toContain('PORT');
  });

  it('refuses to start a server on a malformed MAX_BODY_BYTES, naming it', async () => {
    const { code, stderr } = await dagflow(['server'], { PORT: '0', MAX_BODY_BYTES: 'big' });
    expect(code).toBe(1);
    expect(stderr).toContain('INVALID_CONFIG');
    expect(stderr).toContain('MAX_BODY_BYTES');
  });

  it('refuses a malformed LOG_LEVEL in any command, naming it', async () => {
    const { code, stderr } = await dagflow(['status', 'greet', requestId], { LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    expect(stderr).toContain('INVALID_CONFIG');
    expect(stderr).toContain('LOG_LEVEL');
  });
});
