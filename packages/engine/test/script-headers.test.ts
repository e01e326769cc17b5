import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReplyCode, type ReplyCodeName } from '../src/format/reply-codes.js';
import { INCLUDES_FOLDER, readLuaFile } from '../src/store/scripts/script-source.js';
import { SCRIPT_NAMES, scriptSource } from '../src/store/scripts/scripts.js';

/** Every Lua file, named as `readLuaFile` takes it: scripts in `lua/`, shared functions in `lua/includes/`. */
const luaFiles = (folder: string, prefix: string): string[] =>
  readdirSync(new URL(`../lua/${folder}`, import.meta.url))
    .filter((f) => f.endsWith('.lua'))
    .map((f) => `${prefix}${f.replace(/\.lua$/, '')}`);
const files = [...luaFiles('', ''), ...luaFiles(`${INCLUDES_FOLDER}/`, `${INCLUDES_FOLDER}/`)];
const scripts: readonly string[] = SCRIPT_NAMES;

/**
 * The codes a file returns as the first element of a table (`return { R.STALE, ...` or
 * `table.insert(reply, 1, R.OK)`), or per item of a many-request script (`replies[i] = R.CREATED`),
 * named from the prelude (see `lua-prelude.ts`) or, in older text, as numbers.
 */
function literalCodes(text: string): Set<number> {
  const code = '(R\\.[A-Z_]+|-?\\d+)';
  const found = text.matchAll(
    new RegExp(
      `return \\{ ${code}|table\\.insert\\(reply, 1, ${code}\\)|replies\\[i\\] = ${code}`,
      'g',
    ),
  );
  return new Set(
    [...found].map((m) => {
      const literal = m[1] ?? m[2] ?? m[3] ?? '';
      return literal.startsWith('R.')
        ? ReplyCode[literal.slice(2) as ReplyCodeName]
        : Number(literal);
    }),
  );
}

/** `includes` and the files they include in turn. */
function allIncludes(includes: readonly string[], found = new Set<string>()): string[] {
  for (const file of includes)
    if (!found.has(file)) {
      found.add(file);
      allIncludes(readLuaFile(file).includes, found);
    }
  return [...found];
}

/** The highest KEYS[i] a file's text names (header and code). */
function highestKey(text: string): number {
  return Math.max(0, ...[...text.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
}

describe('Lua script headers', () => {
  it('every file in lua/ is a script or is included by one', () => {
    const included = new Set(files.flatMap((f) => readLuaFile(f).includes));
    for (const file of files) expect(scripts.includes(file) || included.has(file), file).toBe(true);
  });

  it.each(files)('%s declares its key count: scripts do, included files do not', (file) => {
    const { text, numberOfKeys } = readLuaFile(file);
    if (!scripts.includes(file)) expect(numberOfKeys).toBeUndefined();
    else if (numberOfKeys === 'dynamic') {
      // A dynamic script walks its keys: no fixed KEYS[n], only KEYS indexed by a variable.
      expect(highestKey(text)).toBe(0);
      expect(text).toMatch(/KEYS\[[^\]]*[a-z][^\]]*\]/);
    } else expect(numberOfKeys).toBe(highestKey(text));
  });

  it.each(files)('%s names the reply codes it returns, from ReplyCode', (file) => {
    const { text, replies, includes } = readLuaFile(file);
    for (const name of replies) expect(Object.keys(ReplyCode), `${file}: ${name}`).toContain(name);
    const declared = new Set(replies.map((name: ReplyCodeName) => ReplyCode[name]));
    for (const code of literalCodes(text))
      expect(declared, `${file} returns ${code}`).toContain(code);
    const reachable = new Set([
      ...literalCodes(text),
      ...allIncludes(includes).flatMap((f) => [...literalCodes(readLuaFile(f).text)]),
    ]);
    for (const code of declared) expect(reachable, `${file} declares ${code}`).toContain(code);
  });

  it('scripts lie in lua/, files of shared functions in lua/includes/', () => {
    for (const file of files)
      expect(scripts.includes(file), file).toBe(!file.startsWith(`${INCLUDES_FOLDER}/`));
  });

  it.each(files)('%s has at most 150 lines', (file) => {
    expect(readLuaFile(file).text.trimEnd().split('\n').length).toBeLessThanOrEqual(150);
  });

  it('includes are resolved where they stand', () => {
    for (const name of SCRIPT_NAMES) expect(scriptSource(name)).not.toMatch(/^--- @include/m);
    expect(scriptSource('completeNode')).toContain('local function complete_step');
  });
});
