// @ts-check
/** The workspace's public packages (those without `"private": true`), in dependency order. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's root directory. */
export const ROOT = join(import.meta.dirname, '../..');

/**
 * @typedef {{ name: string; version: string; private?: boolean; [field: string]: unknown }} Manifest
 * @typedef {{ dir: string; manifest: Manifest }} WorkspacePackage
 */

/**
 * Every public package of the workspace (`packages/*`, `apps/*`), each after the public packages it
 * depends on: flow, engine, dashboard, server, cli, testing. Publishing in this order never leaves a package
 * on the registry whose dependency is missing.
 * @param {string} [root] the repository root
 * @returns {WorkspacePackage[]}
 */
export function publicPackages(root = ROOT) {
  /** @type {Map<string, WorkspacePackage>} */
  const byName = new Map();
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group)).sort()) {
      const file = join(root, group, entry, 'package.json');
      if (!existsSync(file)) continue;
      /** @type {Manifest} */
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (manifest.private !== true)
        byName.set(manifest.name, { dir: join(group, entry), manifest });
    }
  }
  /** @type {WorkspacePackage[]} */
  const ordered = [];
  /** @param {WorkspacePackage} pkg */
  const visit = (pkg) => {
    if (ordered.includes(pkg)) return;
    const deps = /** @type {Record<string, string>} */ (pkg.manifest['dependencies'] ?? {});
    for (const name of Object.keys(deps).sort()) {
      const dep = byName.get(name);
      if (dep !== undefined) visit(dep);
    }
    ordered.push(pkg);
  };
  for (const pkg of byName.values()) visit(pkg);
  return ordered;
}
