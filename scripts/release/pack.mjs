#!/usr/bin/env node
// @ts-check
/**
 * `pnpm release:pack [--out <dir>]`: packs every public package, built, into a tarball, in dependency
 * order (flow, engine, dashboard, server, cli, testing), after checking each package.json
 * (manifest-check.mjs); then `npm publish --dry-run` each tarball and fails on any warning but the
 * one about not being logged in. Prints the tarballs' paths, one a line, in that order; the order to
 * publish them in. Until the packages are on the registry, install them from these tarballs:
 * `npm install <dir>/*.tgz`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { manifestProblems } from './manifest-check.mjs';
import { publicPackages, ROOT } from './public-packages.mjs';

const run = promisify(execFile);
/** A dry run without npm credentials always says this much; anything else is a problem. */
const LOGIN_WARNING = /requires you to be logged in/;
/** npm's environment without the npm_config_* settings pnpm passes on (npm warns of those it lacks). */
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_config_')),
);

const { values } = parseArgs({ options: { out: { type: 'string', default: 'release' } } });
const out = resolve(ROOT, values.out ?? 'release');
mkdirSync(out, { recursive: true });

const packages = publicPackages();
const problems = packages.flatMap(({ dir, manifest }) =>
  manifestProblems(join(ROOT, dir), manifest).map((problem) => `${manifest.name}: ${problem}`),
);
if (problems.length > 0) {
  console.error(`Not ready to publish (did you run pnpm build?):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

/**
 * Packs one package into `out` and runs `npm publish --dry-run` on the tarball: answers the tarball's
 * path and the dry run's warnings (none when it is clean).
 * @param {import('./public-packages.mjs').WorkspacePackage} pkg
 */
async function packAndDryRun({ dir, manifest }) {
  await run('pnpm', ['pack', '--pack-destination', out], { cwd: join(ROOT, dir) });
  // pnpm names a tarball after its package: @dagflow/engine 0.1.0 -> dagflow-engine-0.1.0.tgz.
  const file = `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
  const tarball = join(out, file);
  const dryRun = await run('npm', ['publish', '--dry-run', tarball], {
    cwd: out,
    env: npmEnv,
  }).catch((/** @type {{ stdout?: string; stderr?: string }} */ error) => ({
    stdout: error.stdout ?? '',
    stderr: `npm error: the dry run failed\n${error.stderr ?? ''}`,
  }));
  const warnings = `${dryRun.stdout}\n${dryRun.stderr}`
    .split('\n')
    .filter((line) => /^npm (warn|error)/i.test(line) && !LOGIN_WARNING.test(line));
  return { tarball, warnings };
}

// Packed side by side (each dry run waits on the registry); listed in dependency order.
const packed = await Promise.all(packages.map(packAndDryRun));
const unclean = packed.filter(({ warnings }) => warnings.length > 0);
for (const { tarball, warnings } of unclean)
  console.error(`npm publish --dry-run ${tarball}:\n  ${warnings.join('\n  ')}`);
if (unclean.length > 0) process.exit(1);
for (const { tarball } of packed) console.log(tarball);
