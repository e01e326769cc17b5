import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;
const DOC = readFileSync(join(ROOT, 'docs/deploying.md'), 'utf8');

/** The text of every TypeScript source file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

const SOURCE = ['engine', 'server', 'cli', 'flow']
  .flatMap((pkg) => sources(join(ROOT, 'packages', pkg, 'src')))
  .join('\n');

describe('docs/deploying.md names only what the code has', () => {
  it('every environment variable and error code it names is read or defined in packages/*/src', () => {
    const names = new Set(
      [...DOC.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|HOST|PORT)(?:=[^`]*)?`/g)].map(
        ([, name]) => name!,
      ),
    );
    expect(names.size).toBeGreaterThan(20);
    expect([...names].filter((name) => !SOURCE.includes(`'${name}'`))).toEqual([]);
  });

  it('every route it names is a route of the server', () => {
    const paths = new Set(
      [...DOC.matchAll(/`(?:GET|POST|PUT|DELETE) (\/[^`?\s]*)/g)].map(([, path]) => path!),
    );
    expect(paths.size).toBeGreaterThan(5);
    expect([...paths].filter((path) => !SOURCE.includes(`path: '${path}'`))).toEqual([]);
  });
});
