import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/flows.ts', import.meta.url).pathname;
/** Whether this Node.js runs .ts files itself (then tsx is not needed, and its absence not seen). */
const NATIVE = typeof (process.features as { typescript?: unknown }).typescript === 'string';
const run = promisify(execFile);

let env: NodeJS.ProcessEnv;
let outside = '';

beforeAll(async () => {
  env = {
    ...process.env,
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: testPrefix(import.meta.url, 'typescript-worker'),
    LOG_LEVEL: 'error',
  };
  // Vitest's NODE_PATH reaches the workspace's hoisted packages (tsx among them); a user's has not.
  delete env['NODE_PATH'];
  outside = await mkdtemp(join(tmpdir(), 'dagflow-ts-worker-'));
});

afterAll(async () => {
  if (outside !== '') await rm(outside, { recursive: true, force: true });
});

describe('dagflow worker with a TypeScript module', () => {
  it("loads flows.ts (tsx from the module's project on Node.js 20) and runs its flow", async () => {
    const worker = spawn('node', [MAIN, 'worker', FIXTURE], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        worker.stdout.on('data', (chunk: Buffer) => {
          if ((output += chunk.toString()).includes('ready')) resolve();
        });
        worker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        worker.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
      });
      const { stdout } = await run(
        'node',
        [MAIN, 'run', 'typed-greet', '--data', '{"name":"ada"}', '--wait', '20'],
        { env },
      );
      expect(stdout).toBe('hello ada, from TypeScript\n');
    } finally {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
  });

  it.skipIf(NATIVE)('says to install tsx when the module has none to load it with', async () => {
    const copy = join(outside, 'flows.ts');
    await copyFile(FIXTURE, copy);
    const failed = await run('node', [MAIN, 'worker', copy], { env }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain(`Cannot load TypeScript '${copy}'`);
    expect(failed?.stderr).toContain('npm install --save-dev tsx');
  });
});
