/**
 * Every TypeScript snippet of README.md and docs/*.md compiles with `tsc --strict`, and the ones marked
 * `run` run against a private Redis.
 *
 * Each ```ts block is a module of its own (ESM, so `await` works at its top), compiled against the
 * workspace's packages (`@dagflow/engine`, `@dagflow/server`, zod, ...) as a user's project would
 * import them. An HTML comment right before a block (blank lines between are fine) says more:
 *
 * - `<!-- snippet: check -->`: type-check only, as unmarked blocks are. Lines up to `-->` are
 *   TypeScript put before the block: the imports and declarations the prose leaves out, e.g.
 *   `declare function getImage(input: string): Promise<Image>;`. Lines after a `---` line go after it.
 * - `<!-- snippet: run -->`: the same, then the compiled block runs with `node` in a scratch directory,
 *   with `REDIS_URL` of a private Redis and its own `DAGFLOW_PREFIX`, and must exit 0 within 30 s (its
 *   `---` part closes what it opened).
 * - `<!-- snippet: file order.yaml -->` before any block: the block is written to that file in the
 *   scratch directory, where `run` snippets find it (`readDefinition('order.yaml')`).
 * - `<!-- snippet: skip <reason> -->`: not checked; the reason is required.
 *
 * A failure lists `doc:line` of each compiler error in the Markdown.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Snippet, snippetsOf } from '../snippets/markdown-snippets.js';

const run = promisify(execFile);
const ROOT = new URL('../../../../', import.meta.url).pathname;
const TESTS = new URL('../../', import.meta.url).pathname;
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** README.md and every docs/*.md. */
async function documents(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs'))).filter((file) => file.endsWith('.md'));
  return ['README.md', ...docs.sort().map((file) => `docs/${file}`)];
}

const snippets: Snippet[] = [];
const names = new Map<Snippet, string>();
let dir = '';
let errors: string[] = [];

/** `doc:line` in the Markdown of line `line` (1-based) of a snippet's module. */
function markdownLine(snippet: Snippet, line: number): string {
  const given = snippet.given === '' ? 0 : snippet.given.split('\n').length;
  const inCode = line - given;
  if (inCode < 1) return `${snippet.doc}:${snippet.markerLine ?? snippet.line} (its marker)`;
  if (inCode > snippet.code.split('\n').length)
    return `${snippet.doc}:${snippet.markerLine ?? snippet.line} (its marker, after ---)`;
  return `${snippet.doc}:${snippet.line + inCode - 1}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dagflow-snippets-'));
  // The packages as this workspace has them, found the way a project finds its node_modules.
  await symlink(join(TESTS, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        target: 'es2022',
        types: ['node'],
        skipLibCheck: true,
        outDir: 'out',
        rootDir: '.',
      },
      include: ['*.ts'],
    }),
  );
  for (const doc of await documents()) {
    const found = snippetsOf(doc, await readFile(join(ROOT, doc), 'utf8'));
    for (const file of found.files) await writeFile(join(dir, file.name), file.text);
    for (const snippet of found.snippets) {
      const name = `${doc.replace(/\W+/g, '-')}-${snippet.line}`;
      names.set(snippet, name);
      snippets.push(snippet);
      const parts = [snippet.given, snippet.code, snippet.then].filter((part) => part !== '');
      await writeFile(join(dir, `${name}.ts`), `${parts.join('\n')}\n`);
    }
  }
  // tsc emits even when it finds errors; its exit code only says that it did.
  const compiled = await run('node', [TSC, '-p', dir, '--pretty', 'false']).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string; message: string }) => error.stdout || error.message,
  );
  const byName = new Map([...names].map(([snippet, name]) => [`${name}.ts`, snippet]));
  errors = compiled
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const at = /^(.+?)\((\d+),\d+\): (.*)$/.exec(line);
      const snippet = at === null ? undefined : byName.get(basename(at[1]!));
      return snippet === undefined ? line : `${markdownLine(snippet, Number(at![2]))}: ${at![3]}`;
    });
}, 120_000);

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('the TypeScript snippets of README.md and docs/*.md', () => {
  it('are found, some of them runnable', () => {
    expect(snippets.length).toBeGreaterThan(10);
    expect(snippets.filter(({ mode }) => mode === 'run').length).toBeGreaterThan(0);
  });

  it('compile with tsc --strict', () => {
    expect(errors).toEqual([]);
  });

  it('that are marked run, run against a private Redis', async () => {
    for (const snippet of snippets.filter(({ mode }) => mode === 'run')) {
      const name = names.get(snippet)!;
      const env = {
        ...process.env,
        REDIS_URL: inject('redisUrl'),
        DAGFLOW_PREFIX: testPrefix(import.meta.url, name),
        LOG_LEVEL: 'error',
      };
      const outcome = await run('node', [join('out', `${name}.js`)], {
        cwd: dir,
        env,
        timeout: 30_000,
      }).then(
        () => 'exit 0',
        (error: { code?: unknown; stderr?: string }) =>
          `${snippet.doc}:${snippet.line} exit ${String(error.code)}: ${error.stderr ?? ''}`,
      );
      expect(outcome).toBe('exit 0');
    }
  });
});
