// @ts-check
/** What a public package's package.json needs before it is published. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The problems that keep a package from being published as it should be, one line each; none means
 * ready. Checked: license, repository (with its directory), engines.node, files, an exports map whose
 * entries have types, main and types for a package with a "." entry, bin files that exist, and
 * publishConfig (public access, provenance).
 * @param {string} dir the package's directory, built
 * @param {import('./public-packages.mjs').Manifest} manifest its package.json
 * @returns {string[]}
 */
export function manifestProblems(dir, manifest) {
  const problems = [];
  const field = (/** @type {string} */ name) => manifest[name];
  if (typeof field('license') !== 'string') problems.push('no license');
  const repository = /** @type {{ url?: string; directory?: string } | undefined} */ (
    field('repository')
  );
  if (repository?.url === undefined || repository.directory === undefined)
    problems.push('no repository { url, directory }');
  const engines = /** @type {{ node?: string } | undefined} */ (field('engines'));
  if (engines?.node === undefined) problems.push('no engines.node');
  const files = /** @type {string[] | undefined} */ (field('files'));
  if (files === undefined || !files.includes('dist')) problems.push('files does not list dist');
  const publishConfig = /** @type {{ access?: string; provenance?: boolean } | undefined} */ (
    field('publishConfig')
  );
  if (publishConfig?.access !== 'public' || publishConfig.provenance !== true)
    problems.push('publishConfig is not { access: "public", provenance: true }');
  const exports = /** @type {Record<string, Record<string, string>> | undefined} */ (
    field('exports')
  );
  if (exports === undefined) problems.push('no exports map');
  for (const [path, entry] of Object.entries(exports ?? {})) {
    if (path.endsWith('package.json')) continue;
    if (entry['types'] === undefined) problems.push(`exports["${path}"] has no types`);
    for (const target of Object.values(entry))
      if (!existsSync(join(dir, target))) problems.push(`exports["${path}"]: ${target} is missing`);
  }
  const main = exports?.['.'];
  if (main !== undefined) {
    if (field('main') !== main['import']) problems.push(`main is not ${main['import']}`);
    if (field('types') !== main['types']) problems.push(`types is not ${main['types']}`);
  }
  const bin = /** @type {Record<string, string>} */ (field('bin') ?? {});
  for (const [name, target] of Object.entries(bin))
    if (!existsSync(join(dir, target))) problems.push(`bin ${name}: ${target} is missing`);
  return problems;
}
