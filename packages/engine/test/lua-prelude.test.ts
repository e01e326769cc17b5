import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataField, RequestField, StepField } from '../src/format/layout.js';
import {
  PRELUDE_TABLES,
  type PreludeTable,
  preludeNamesUsed,
} from '../src/store/scripts/lua-prelude.js';
import {
  INCLUDES_FOLDER,
  readLuaFile,
  resolveIncludes,
} from '../src/store/scripts/script-source.js';
import { SCRIPT_NAMES, scriptSource, scriptsVersion } from '../src/store/scripts/scripts.js';
import { NEW_REQUEST_ARGS } from '../src/store/scripts/new-request-args.js';
import { OWN_HEAD, SPEC_HEAD } from '../src/store/scripts/completion-args.js';
import { FAIL_ARGS } from '../src/store/scripts/fail-args.js';

const luaFiles = (folder: string): string[] =>
  readdirSync(new URL(`../lua/${folder}`, import.meta.url))
    .filter((f) => f.endsWith('.lua'))
    .map((f) => `${folder}${f.replace(/\.lua$/, '')}`);
const files = [...luaFiles(''), ...luaFiles(`${INCLUDES_FOLDER}/`)];

/**
 * Quoted strings that name the same thing on another hash than a request's, each with why: they are
 * not the request's fields, and the prelude does not own them.
 */
const OTHER_HASHES: Readonly<Record<string, readonly string[]>> = {
  // The flow's current-version hash (fields version, revision), not a request's state hash.
  publishFlow: ['version', 'revision'],
};

/** A file's code: its text without comments (`--[[ ... ]]` blocks and `--` to the end of a line). */
function code(text: string): string {
  return text.replace(/--\[\[[\s\S]*?\]\]/g, '').replace(/--.*$/gm, '');
}

/** The quoted string literals of a file's code. */
function literals(text: string): string[] {
  return [...code(text).matchAll(/'([^'\n]*)'|"([^"\n]*)"/g)].map((m) => m[1] ?? m[2] ?? '');
}

const fieldNames = new Set<string>([
  ...Object.values(StepField),
  ...Object.values(RequestField),
  ...Object.values(DataField),
]);

describe('Lua prelude (names the Lua takes from TypeScript)', () => {
  it.each(files)('%s writes no field name or prefix as a literal', (file) => {
    const allowed = new Set(OTHER_HASHES[file] ?? []);
    const found = literals(readLuaFile(file).text).filter(
      (literal) => !allowed.has(literal) && (fieldNames.has(literal) || /^\w+\|$/.test(literal)),
    );
    expect(found, `${file}: use F., REQ. or DATA. from the prelude`).toEqual([]);
  });

  it.each(files)('%s returns reply codes by name, not number', (file) => {
    const numeric = code(readLuaFile(file).text).match(
      /return \{ -?\d+|table\.insert\(reply, 1, -?\d+\)|replies\[i\] = -?\d+/g,
    );
    expect(numeric, `${file}: use R. from the prelude`).toBeNull();
  });

  it.each(files)('%s uses only names the TypeScript objects have', (file) => {
    for (const [table, names] of preludeNamesUsed(readLuaFile(file).text))
      for (const name of names)
        expect(Object.keys(PRELUDE_TABLES[table]), `${file}: ${table}.${name}`).toContain(name);
  });

  it('puts the values of TypeScript in place of the names each script uses', () => {
    const source = scriptSource('completeNode');
    expect(source).toMatch(/^-- Names from format/);
    expect(source).toContain(`'${StepField.status}' .. `);
    expect(source).toContain(`'${StepField.owner}' .. `);
    expect(readLuaFile('includes/fenceCompletion').text).toContain('R.STALE');
    for (const name of SCRIPT_NAMES)
      expect(preludeNamesUsed(scriptSource(name)), name).toEqual(new Map());
  });

  it('changes the scripts and their command names with any field name or reply code', () => {
    const altered = (table: PreludeTable, name: string, value: string | number) => ({
      ...PRELUDE_TABLES,
      [table]: { ...PRELUDE_TABLES[table], [name]: value },
    });
    const version = scriptsVersion();
    expect(scriptsVersion()).toBe(version);
    const staleElsewhere = altered('R', 'STALE', 33);
    expect(scriptSource('completeNode', staleElsewhere)).toContain('{ 33, ');
    expect(scriptsVersion(staleElsewhere)).not.toBe(version);
    expect(scriptsVersion(altered('F', 'owner', 'ow|'))).not.toBe(version);
    // A field no script uses today still changes the version: a script may use it tomorrow.
    expect(scriptsVersion(altered('REQ', 'createdAt', 'created'))).not.toBe(version);
    // An argument layout too: an older process calls the script of its own layout.
    expect(scriptSource('createRequests', altered('NR', 'size', 10))).not.toBe(
      scriptSource('createRequests'),
    );
    expect(scriptsVersion(altered('NR', 'size', 10))).not.toBe(version);
    expect(scriptsVersion(altered('CO', 'owner', 4))).not.toBe(version);
  });

  it.each([
    ['createRequests', 'NR', [...NEW_REQUEST_ARGS, 'size' as const, 'fixed' as const]],
    ['completeNodes', 'CS', [...SPEC_HEAD, 'head' as const]],
    ['completeNodes', 'CO', [...OWN_HEAD, 'head' as const]],
    ['failNode', 'FN', [...FAIL_ARGS, 'size' as const]],
  ] as const)(
    '%s reads every argument of its layout by name, at the offset TypeScript gives (%s)',
    (script, table, names) => {
      const used = preludeNamesUsed(resolveIncludes(script)).get(table);
      expect([...(used ?? [])].sort()).toEqual([...names].sort());
      // The offsets follow the encoder's order, one argument each.
      const layout = PRELUDE_TABLES[table] as Readonly<Record<string, number>>;
      const fields = names.filter((name) => !['size', 'fixed', 'head'].includes(name));
      // Offsets from 0 after a variable start (at + NR.input), ARGV indexes from 1 for failNode.
      const first = table === 'FN' ? 1 : 0;
      expect(fields.map((name) => layout[name])).toEqual(fields.map((_, i) => first + i));
      // The count of the arguments (per request for NR, of the head for CS and CO, of all for FN).
      expect(layout['size'] ?? layout['head']).toBe(fields.length);
    },
  );

  it('refuses to load a script that names what TypeScript lacks', () => {
    expect(() => scriptSource('completeNode', { ...PRELUDE_TABLES, F: {} })).toThrow(
      /F\.\w+, which TypeScript lacks/,
    );
  });
});
