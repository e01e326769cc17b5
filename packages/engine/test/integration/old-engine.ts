import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO = new URL('../../../../', import.meta.url).pathname;

/**
 * The engine as an earlier commit had it, built from that commit's `packages/flow` and
 * `packages/engine` sources with this checkout's dependencies and compiler: what a worker of the
 * previous release runs during a rolling deploy. Built once per commit and checkout into the
 * temporary folder (about 6 s) and reused. Returns the `file:` URL of its entry module, or the reason it cannot be
 * built (the commit is not in this clone's history).
 */
export function engineAt(
  commit: string,
): { readonly entry: string } | { readonly missing: string } {
  try {
    execFileSync('git', ['-C', REPO, 'cat-file', '-e', `${commit}^{commit}`], { stdio: 'ignore' });
  } catch {
    return { missing: `commit ${commit} is not in this clone (a shallow clone?)` };
  }
  // One build per commit and checkout: its dependencies are links into this checkout's.
  const checkout = createHash('sha1').update(REPO).digest('hex').slice(0, 8);
  const dir = join(tmpdir(), `dagflow-engine-${commit}-${checkout}`);
  const entry = join(dir, 'packages/engine/dist/index.js');
  if (!existsSync(entry)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const sources = ['packages/flow', 'packages/engine', 'tsconfig.base.json'];
    const archive = execFileSync('git', ['-C', REPO, 'archive', commit, ...sources], {
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    linkDependencies('flow', dir, {});
    linkDependencies('engine', dir, { '@dagflow/flow': join(dir, 'packages/flow') });
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    for (const pkg of ['flow', 'engine']) {
      execFileSync(
        process.execPath,
        [tsc, '-p', join(dir, 'packages', pkg, 'tsconfig.build.json')],
        {
          stdio: 'inherit',
        },
      );
    }
  }
  return { entry: pathToFileURL(entry).href };
}

/**
 * Gives the old copy of `pkg` the installed dependencies of this checkout's copy (symlinks, one per
 * package), except those named in `own`, which point at the old copies.
 */
function linkDependencies(pkg: string, dir: string, own: Record<string, string>): void {
  const installed = join(REPO, 'packages', pkg, 'node_modules');
  const target = join(dir, 'packages', pkg, 'node_modules');
  mkdirSync(target, { recursive: true });
  if (!existsSync(installed)) return;
  for (const name of readdirSync(installed)) {
    const members = name.startsWith('@') ? readdirSync(join(installed, name)) : [undefined];
    for (const member of members) {
      const full = member === undefined ? name : `${name}/${member}`;
      if (member !== undefined) mkdirSync(join(target, name), { recursive: true });
      symlinkSync(own[full] ?? join(installed, full), join(target, full));
    }
  }
}
