import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house's size limits, checked over every package's and app's `src/` (docs/architecture.md): a
 * source file of at most 300 lines, a folder of at most 16 source files directly, and `engine/src` with
 * at most 8 files outside its folders. (Lua files: at most 150 lines, in the engine's script-headers test.)
 */
const ROOT = new URL('../../../', import.meta.url).pathname;
const MAX_LINES = 300;
const MAX_FILES_PER_FOLDER = 16;
const MAX_ENGINE_LOOSE_FILES = 8;
const SOURCE = /\.(ts|tsx|mts|cts)$/;

/** Every folder at or under `dir`, with the source files it holds directly. */
function folders(dir: string): { dir: string; files: string[] }[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && SOURCE.test(e.name)).map((e) => e.name);
  return [
    { dir, files },
    ...entries.filter((e) => e.isDirectory()).flatMap((e) => folders(join(dir, e.name))),
  ];
}

const SOURCE_ROOTS = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(ROOT, group), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(ROOT, group, e.name, 'src'))
    .filter((src) => {
      try {
        return readdirSync(src).length > 0;
      } catch {
        return false;
      }
    }),
);
const FOLDERS = SOURCE_ROOTS.flatMap(folders);

describe('house limits', () => {
  it('reads the source of every package and app', () => {
    expect(SOURCE_ROOTS.length).toBeGreaterThanOrEqual(8);
    expect(FOLDERS.reduce((sum, f) => sum + f.files.length, 0)).toBeGreaterThan(300);
  });

  it(`no source file has more than ${MAX_LINES} lines`, () => {
    const over = FOLDERS.flatMap(({ dir, files }) =>
      files
        .map((file) => ({
          file: relative(ROOT, join(dir, file)),
          lines: readFileSync(join(dir, file), 'utf8').split('\n').length - 1,
        }))
        .filter(({ lines }) => lines > MAX_LINES),
    );
    expect(over).toEqual([]);
  });

  it(`no source folder holds more than ${MAX_FILES_PER_FOLDER} source files directly`, () => {
    const over = FOLDERS.filter(({ files }) => files.length > MAX_FILES_PER_FOLDER).map(
      ({ dir, files }) => `${relative(ROOT, dir)}: ${files.length}`,
    );
    expect(over).toEqual([]);
  });

  it(`engine/src holds at most ${MAX_ENGINE_LOOSE_FILES} files outside its folders`, () => {
    const engine = FOLDERS.find(({ dir }) => relative(ROOT, dir) === 'packages/engine/src');
    expect(engine?.files.length).toBeLessThanOrEqual(MAX_ENGINE_LOOSE_FILES);
  });
});
