import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testPrefix } from '@dagflow/test-utils';
import { afterEach, describe, expect, inject, it } from 'vitest';

const FILE_VIEWER = 'file-viewer-token-3f9a1c7e5b2d08a4';
const FILE_BOT = 'file-bot-token-8c1d4e7a2b9f0356d8';
const ENV_ADMIN = 'env-admin-token-e07b5a9c3d1f6284b0';
const ENV_GRAFANA = 'env-grafana-token-51d7e4a8b3061c5d2f';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
let server: ChildProcess | undefined;

afterEach(async () => {
  if (server?.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  server = undefined;
});

/** Starts `dagflow server` with `env` on a free port; answers its port once it listens, or its exit. */
function startServer(
  env: Record<string, string>,
): Promise<{ port?: number; code?: number | null; stderr: string }> {
  let stderr = '';
  const child = spawn('node', [MAIN, 'server'], {
    env: {
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      DAGFLOW_PREFIX: testPrefix(import.meta.url, 'server'),
      PORT: '0',
      LOG_LEVEL: 'warn',
      DAGFLOW_TOKENS: '',
      DAGFLOW_TOKENS_FILE: '',
      DAGFLOW_AUTH: '',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server = child;
  return new Promise((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const port = /listening on port (\d+)/.exec(stderr)?.[1];
      if (port !== undefined) resolve({ port: Number(port), stderr });
    });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('dagflow server and its security settings', () => {
  it('refuses HOST=0.0.0.0 without tokens with INVALID_CONFIG', async () => {
    const { code, stderr } = await startServer({ HOST: '0.0.0.0' });
    expect(code).toBe(1);
    expect(stderr).toContain('error INVALID_CONFIG');
    expect(stderr).toContain('DAGFLOW_AUTH=off');
  });

  it('starts on 0.0.0.0 without tokens when DAGFLOW_AUTH=off, with a warning', async () => {
    const { port, stderr } = await startServer({ HOST: '0.0.0.0', DAGFLOW_AUTH: 'off' });
    expect(port).toBeGreaterThan(0);
    expect(stderr).toMatch(/"level":40.*authentication is off/);
    expect((await fetch(`http://127.0.0.1:${port}/flows`)).status).toBe(200);
  });

  it('reads tokens from DAGFLOW_TOKENS_FILE and DAGFLOW_TOKENS, and never logs them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dagflow-tokens-'));
    const file = join(dir, 'tokens');
    await writeFile(
      file,
      `# who may look\nviewer ${FILE_VIEWER}\noperator bot ${FILE_BOT} orders-*\n`,
    );
    const { port, stderr } = await startServer({
      HOST: '0.0.0.0',
      DAGFLOW_TOKENS_FILE: file,
      DAGFLOW_TOKENS: `admin:${ENV_ADMIN},viewer:grafana:${ENV_GRAFANA}`,
    });
    const get = (token?: string) =>
      fetch(`http://127.0.0.1:${port}/auth/whoami`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    expect((await get()).status).toBe(401);
    expect(await (await get(FILE_VIEWER)).json()).toMatchObject({ role: 'viewer' });
    expect(await (await get(FILE_BOT)).json()).toEqual({
      role: 'operator',
      token: 'bot',
      flows: 'orders-*',
    });
    expect(await (await get(ENV_ADMIN)).json()).toMatchObject({ role: 'admin' });
    expect(await (await get(ENV_GRAFANA)).json()).toEqual({ role: 'viewer', token: 'grafana' });
    expect(stderr).not.toContain('-token-');
  });

  it('refuses a malformed DAGFLOW_TOKENS with INVALID_CONFIG', async () => {
    const { code, stderr } = await startServer({ DAGFLOW_TOKENS: 'root:s3cret-value' });
    expect(code).toBe(1);
    expect(stderr).toContain('error INVALID_CONFIG');
    expect(stderr).not.toContain('s3cret-value');
  });

  it.each([
    ['a short token', 'viewer:s3cret-value', 'DAGFLOW_TOKENS entry 1'],
    ['a placeholder', 'admin:ops:change-me-admin-s3cret-value', 'DAGFLOW_TOKENS entry 1 (ops)'],
    ['a token given twice', `viewer:${ENV_GRAFANA},admin:${ENV_GRAFANA}`, 'token 2'],
  ])('refuses %s at start with INVALID_CONFIG naming the entry', async (_name, tokens, names) => {
    const { code, stderr } = await startServer({ DAGFLOW_TOKENS: tokens });
    expect(code).toBe(1);
    expect(stderr).toContain('error INVALID_CONFIG');
    expect(stderr).toContain(names);
    expect(stderr).not.toContain('s3cret-value');
    expect(stderr).not.toContain(ENV_GRAFANA);
  });
});
