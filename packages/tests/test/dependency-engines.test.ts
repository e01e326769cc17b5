import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { minVersion, satisfies } from 'semver';
import { describe, expect, it } from 'vitest';
import { publicPackages, ROOT } from '../../../scripts/release/public-packages.mjs';

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly engines?: { readonly node?: string };
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The oldest Node.js the repository supports: the low end of its `engines.node`. */
const OLDEST_NODE = minVersion(readManifest(ROOT).engines?.node ?? '')?.version;

/** Where Node.js finds `name` from `dir`: the nearest `node_modules/<name>` up the tree. */
function installedDir(dir: string, name: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(at) === at) return undefined;
  }
}

/** Every package a user's install of the public packages brings, as installed here: `name@version`. */
function productionTree(): Map<string, Manifest> {
  const seen = new Map<string, Manifest>();
  const visit = (dir: string): void => {
    const manifest = readManifest(dir);
    const id = `${manifest.name}@${manifest.version}`;
    if (seen.has(id)) return;
    seen.set(id, manifest);
    const optional = manifest.optionalDependencies ?? {};
    for (const name of Object.keys({ ...manifest.dependencies, ...optional })) {
      const found = installedDir(dir, name);
      if (found !== undefined) visit(found);
      else if (!(name in optional)) throw new Error(`${id} depends on ${name}, not installed`);
    }
  };
  for (const { dir } of publicPackages()) visit(realpathSync(join(ROOT, dir)));
  return seen;
}

describe('production dependencies', () => {
  it(`all run on the oldest Node.js the packages support (${OLDEST_NODE})`, () => {
    expect(OLDEST_NODE).toBe('20.19.0');
    const tree = productionTree();
    // The public packages themselves and their runtime dependencies (bullmq, express, ...).
    expect(tree.size).toBeGreaterThan(50);
    const refusing = [...tree]
      .filter(([, { engines }]) => engines?.node !== undefined)
      .filter(([, { engines }]) => !satisfies(OLDEST_NODE!, engines!.node!))
      .map(([id, { engines }]) => `${id} requires node ${engines!.node}`);
    expect(refusing).toEqual([]);
  });
});
