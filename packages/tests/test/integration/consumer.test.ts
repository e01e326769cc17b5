import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../../../', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
/** Every public package, as a user installs it: the tarballs `pnpm release:pack` makes, in order. */
const TARBALLS = [
  'dagflow-flow',
  'dagflow-engine',
  'dagflow-dashboard',
  'dagflow-server',
  'dagflow',
  'dagflow-testing',
];
/** The test kit's own node --test file, run in the consumer project against the installed kit. */
const KIT_TEST = new URL('../../../testing/test/node/kit.test.mjs', import.meta.url).pathname;

let dir = '';
let project = '';
let env: NodeJS.ProcessEnv;

/** Runs `command` in the consumer project; answers its output, throws on a non-zero exit. */
async function inProject(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd: project, env, timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, {
      cause: error,
    });
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dagflow-consumer-'));
  project = join(dir, 'project');
  const tarballs = join(dir, 'tarballs');
  await mkdir(project);
  // What README's Install says: the release script's tarballs (checked, and npm publish --dry-run clean).
  const { stdout: packed } = await run('node', ['scripts/release/pack.mjs', '--out', tarballs], {
    cwd: ROOT,
    timeout: 60_000,
  });
  const files = packed.trim().split('\n');
  expect(files.map((file) => basename(file).replace(/-[^-]+\.tgz$/, ''))).toEqual(TARBALLS);
  await writeFile(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
  for (const file of ['flows.cjs', 'esm.mjs', 'cjs.cjs', 'typed.mts', 'typed.cts']) {
    await copyFile(join(FIXTURES, file), join(project, file));
  }
  await copyFile(KIT_TEST, join(project, 'kit.test.mjs'));
  env = { ...process.env, REDIS_URL: inject('redisUrl'), LOG_LEVEL: 'error' };
  env['DAGFLOW_PREFIX'] = testPrefix(import.meta.url, 'consumer');
  for (const name of [
    'DAGFLOW_URL',
    'DAGFLOW_TOKENS',
    'DAGFLOW_TOKENS_FILE',
    'DAGFLOW_DASHBOARD_DIR',
  ]) {
    delete env[name];
  }
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...files], {
    cwd: project,
    env,
    timeout: 120_000,
  });
}, 150_000);

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('the packages installed from their tarballs with npm, outside the repo', () => {
  it.each(['esm.mjs', 'cjs.cjs'])(
    '%s runs a 3-node flow with a join and fetches the dashboard',
    async (script) => {
      const printed = JSON.parse(await inProject('node', [script]));
      expect(printed).toEqual({ result: 45, status: 200, html: true });
    },
  );

  it('tests a flow with @dagflow/testing under node --test (a private redis-server, skipped time)', async () => {
    expect(await inProject('node', ['--test', 'kit.test.mjs'])).toMatch(/# pass 2\n# fail 0/);
  });

  it('gives TypeScript their types from import and from require()', async () => {
    // The repo's TypeScript and Node.js types; each fixture has a @ts-expect-error that `any` would fail.
    const tsconfig = {
      compilerOptions: {
        module: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: ['typed.mts', 'typed.cts'],
    };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    await inProject('node', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.']);
  });

  it('has a working dagflow bin: --version, worker and run', async () => {
    const bin = join(project, 'node_modules', '.bin', 'dagflow');
    const { version } = JSON.parse(
      await readFile(join(ROOT, 'packages/cli/package.json'), 'utf8'),
    ) as { version: string };
    expect(await inProject(bin, ['--version'])).toBe(`${version}\n`);
    const worker: ChildProcess = spawn(bin, ['worker', 'flows.cjs'], {
      cwd: project,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        worker.once('exit', (code) => reject(new Error(`dagflow worker exited with ${code}`)));
      });
      expect(await inProject(bin, ['run', 'join3', '--data', '4', '--wait', '20'])).toBe('45\n');
    } finally {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
  });
});
