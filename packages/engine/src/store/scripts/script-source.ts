import { readFileSync } from 'node:fs';
import type { ReplyCodeName } from '../../format/reply-codes.js';

/**
 * One Lua file of `lua/` as its header declares it: `--- @keys <n>` or `--- @keys dynamic` (scripts
 * only, not shared functions; a dynamic script takes as many keys as its caller hands it), `--- @replies <ReplyCode names>` or `--- @replies none`, and `--- @include <file>` lines,
 * each replaced by that file of `lua/includes/` where it stands (once per script: a file that two
 * includes both include is spliced at the first place only).
 */
export interface LuaFile {
  /** The file's own text. */
  readonly text: string;
  /** Its `@keys` count (`'dynamic'`: the caller's), or undefined for a file of shared functions. */
  readonly numberOfKeys: number | 'dynamic' | undefined;
  /** The reply codes it names (see `reply-codes.ts`). */
  readonly replies: readonly ReplyCodeName[];
  /** The files it includes, in order, as names under `lua/` (`includes/<name>`). */
  readonly includes: readonly string[];
}

/** The folder of `lua/` that holds the files of shared functions, which `--- @include` names. */
export const INCLUDES_FOLDER = 'includes';

const ANNOTATION = /^--- @(keys|replies|include) (.+)$/gm;
const INCLUDE = /^--- @include (.+)$/gm;

/** The name under `lua/` of the file that `--- @include <name>` names. */
function includedFile(name: string): string {
  return `${INCLUDES_FOLDER}/${name.trim()}`;
}

/**
 * Reads `lua/<name>.lua` (`lua/` lies beside `src/` and `dist/`; a file of shared functions is named
 * `includes/<name>`) and its header's annotations.
 */
export function readLuaFile(name: string): LuaFile {
  const text = readFileSync(new URL(`../../../lua/${name}.lua`, import.meta.url), 'utf8');
  let numberOfKeys: number | 'dynamic' | undefined;
  let replies: ReplyCodeName[] = [];
  const includes: string[] = [];
  for (const [, tag, value = ''] of text.matchAll(ANNOTATION)) {
    if (tag === 'keys') numberOfKeys = value === 'dynamic' ? value : Number(value);
    else if (tag === 'replies')
      replies = value === 'none' ? [] : (value.split(' ') as ReplyCodeName[]);
    else includes.push(includedFile(value));
  }
  return { text, numberOfKeys, replies, includes };
}

/**
 * The text of a script as loaded: its own file with each `@include` line replaced by that file (its
 * own includes resolved first), each file once.
 */
export function resolveIncludes(name: string, spliced: Set<string> = new Set([name])): string {
  return readLuaFile(name).text.replace(INCLUDE, (_line, file: string) => {
    const included = includedFile(file);
    if (spliced.has(included)) return `-- (${included}.lua: spliced above)`;
    spliced.add(included);
    return resolveIncludes(included, spliced);
  });
}
