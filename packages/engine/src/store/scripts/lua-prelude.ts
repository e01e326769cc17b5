import { DataField, RequestField, StepField } from '../../format/layout.js';
import { ReplyCode } from '../../format/reply-codes.js';

/**
 * The names the Lua scripts in `lua/` take from TypeScript instead of repeating them as literals: the
 * loader (`scripts.ts`) puts a prelude in front of each script, one Lua table per object below, e.g.
 * `local F = { owner = 'w|', status = 's|' }`, so that `lua/` writes `F.status .. path` for a step's
 * status field and `R.STALE` for a reply code. Tables rather than one local per name: a Lua function
 * has at most 200 locals.
 *
 * Each script's prelude holds only the names its text uses (each table built per call costs little,
 * but it costs per call); a name that the objects lack fails the load.
 */
export const PRELUDE_TABLES = {
  /** Prefixes of per-step fields (`layout.ts`). */
  F: StepField,
  /** Request-wide fields of the state hash (`layout.ts`). */
  REQ: RequestField,
  /** Request-wide fields of the data hash (`layout.ts`). */
  DATA: DataField,
  /** Reply codes (`reply-codes.ts`). */
  R: ReplyCode,
} as const satisfies Record<string, Readonly<Record<string, string | number>>>;

/** The name of one prelude table. */
export type PreludeTable = keyof typeof PRELUDE_TABLES;

const TABLE_NAMES = Object.keys(PRELUDE_TABLES) as PreludeTable[];

/** Every `<table>.<name>` a Lua text uses, by table (comments included: they are cheap to keep). */
export function preludeNamesUsed(lua: string): Map<PreludeTable, Set<string>> {
  const used = new Map<PreludeTable, Set<string>>();
  const pattern = new RegExp(`(?<![\\w.])(${TABLE_NAMES.join('|')})\\.([A-Za-z_]\\w*)`, 'g');
  for (const [, table, name] of lua.matchAll(pattern)) {
    const names = used.get(table as PreludeTable) ?? new Set<string>();
    names.add(name as string);
    used.set(table as PreludeTable, names);
  }
  return used;
}

/** A TS value as a Lua literal (the values are short ASCII strings and integers). */
function luaLiteral(value: string | number): string {
  if (typeof value === 'number') return String(value);
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`Not a plain ASCII Lua string: ${value}`);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The prelude of a Lua text: a `local` table for each prelude table it uses, holding the names it
 * uses (sorted). Throws for a name the TypeScript objects lack.
 * @param tables the objects to take the values from (tests hand in altered ones)
 */
export function luaPrelude(
  lua: string,
  tables: Readonly<
    Record<PreludeTable, Readonly<Record<string, string | number>>>
  > = PRELUDE_TABLES,
): string {
  const lines: string[] = [];
  for (const [table, names] of preludeNamesUsed(lua)) {
    const entries = [...names].sort().map((name) => {
      const value = tables[table][name];
      if (value === undefined)
        throw new Error(`Lua uses ${table}.${name}, which TypeScript lacks.`);
      return `${name} = ${luaLiteral(value)}`;
    });
    lines.push(`local ${table} = { ${entries.join(', ')} }`);
  }
  return lines.length === 0
    ? ''
    : `-- Generated from format/layout.ts and format/reply-codes.ts (store/scripts/lua-prelude.ts).\n${lines.join('\n')}\n`;
}
