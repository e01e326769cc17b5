import {
  BatchField,
  ChunkField,
  DataField,
  RequestField,
  StepField,
  StoredLimit,
} from '../../format/layout.js';
import { ReplyCode } from '../../format/reply-codes.js';
import { NEW_REQUEST_LAYOUT } from './new-request-args.js';
import { OWN_LAYOUT, SPEC_LAYOUT } from './completion-args.js';
import { FAIL_LAYOUT } from './fail-args.js';

/**
 * The names the Lua scripts in `lua/` take from TypeScript instead of repeating them as literals:
 * `lua/` writes `F.status .. path` for a step's status field, `R.STALE` for a reply code and
 * `A[at + NR.input]` for an argument's place in a script's argument layout, and the
 * loader (`scripts.ts`) puts each value in place of its name (see {@link withPrelude}); a name that
 * the objects lack fails the load.
 */
export const PRELUDE_TABLES = {
  /** Prefixes of per-step fields (`layout.ts`). */
  F: StepField,
  /** Request-wide fields of the state hash (`layout.ts`). */
  REQ: RequestField,
  /** Request-wide fields of the data hash (`layout.ts`). */
  DATA: DataField,
  /** Fields of a request's stream entries (`layout.ts`). */
  CH: ChunkField,
  /** Fields of a batch's meta hash (`layout.ts`). */
  B: BatchField,
  /** Sizes of stored pieces (`layout.ts`). */
  LIMIT: StoredLimit,
  /** Reply codes (`reply-codes.ts`). */
  R: ReplyCode,
  /** Offsets and count of a request's arguments to `createRequests` (`new-request-args.ts`). */
  NR: NEW_REQUEST_LAYOUT,
  /** Offsets of a completion spec's fixed arguments (`completion-args.ts`). */
  CS: SPEC_LAYOUT,
  /** Offsets of a step's own completion arguments (`completion-args.ts`). */
  CO: OWN_LAYOUT,
  /** Indexes of `failNode`'s arguments (`fail-args.ts`). */
  FN: FAIL_LAYOUT,
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
 * A Lua text with the TypeScript values in place of the names it takes from the prelude tables:
 * `F.status .. path` is loaded as `'s|' .. path`, `R.STALE` as its number, so that a script call
 * builds no table (a table per call cost about 1 µs of Redis CPU a call). A header comment says so.
 * Throws for a name the TypeScript objects lack.
 * @param tables the objects to take the values from (tests hand in altered ones)
 */
export function withPrelude(
  lua: string,
  tables: Readonly<
    Record<PreludeTable, Readonly<Record<string, string | number>>>
  > = PRELUDE_TABLES,
): string {
  const pattern = new RegExp(`(?<![\\w.])(${TABLE_NAMES.join('|')})\\.([A-Za-z_]\\w*)`, 'g');
  const inlined = lua.replace(pattern, (_match, table: PreludeTable, name: string) => {
    const value = tables[table][name];
    if (value === undefined) throw new Error(`Lua uses ${table}.${name}, which TypeScript lacks.`);
    return luaLiteral(value);
  });
  return `-- Names from format/layout.ts and format/reply-codes.ts inlined (store/scripts/lua-prelude.ts).\n${inlined}`;
}
